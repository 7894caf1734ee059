"""Custom requests grouped by similarity: TF-IDF over character n-grams, then agglomerative
clustering on cosine distance (scikit-learn), per product. Near-duplicates ("purple chassis",
"a purple case please", "紫色外壳") land together whatever the language or the typos."""

from __future__ import annotations

from dataclasses import dataclass, field

from rapport.configurator.models import CustomRequest

# Requests closer than this (cosine distance, average linkage) are one wish.
DISTANCE = 0.75
MAX_REQUESTS = 2000  # per product: the most recent


@dataclass
class Wish:
    count: int
    examples: list[str] = field(default_factory=list)


@dataclass
class ProductWishes:
    product_id: int
    name: str
    public_id: str
    total: int
    wishes: list[Wish]


def group_texts(texts: list[str]) -> list[list[int]]:
    """Indices of `texts` grouped by similarity, biggest group first."""
    if len(texts) < 2:
        return [list(range(len(texts)))] if texts else []
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), lowercase=True).fit_transform(
        [t.strip() for t in texts]
    )
    labels = AgglomerativeClustering(
        n_clusters=None, distance_threshold=DISTANCE, metric="cosine", linkage="average"
    ).fit_predict(vectors.toarray())
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))


def wishes_by_product(limit_products: int = 50) -> list[ProductWishes]:
    """For each product with custom requests (most asked first): its wishes, counted, each with
    up to three examples."""
    rows = list(
        CustomRequest.objects.select_related("product")
        .order_by("product_id", "-created_at")
        .values_list("product_id", "product__name", "product__public_id", "text")
    )
    by_product: dict[int, tuple[str, str, list[str]]] = {}
    for product_id, name, uuid, text in rows:
        entry = by_product.setdefault(product_id, (str(name), str(uuid), []))
        if len(entry[2]) < MAX_REQUESTS:
            entry[2].append(text)
    report = []
    for product_id, (name, public_id, texts) in by_product.items():
        wishes = [
            Wish(count=len(group), examples=[texts[i] for i in group[:3]])
            for group in group_texts(texts)
        ]
        report.append(ProductWishes(product_id, name, public_id, len(texts), wishes))
    report.sort(key=lambda p: -p.total)
    return report[:limit_products]
