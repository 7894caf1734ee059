"""Writes to the catalogue made by staff."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog.cache import bump_version
from rapport.catalog.models import Product, ProductVersion
from rapport.core import audit

MAX_IMAGE_BYTES = 2 * 1024 * 1024
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


class CatalogError(Exception):
    """A catalogue change that cannot be made; the message is safe to show."""


def set_product_image(*, product: Product, upload: UploadedFile, actor: Any) -> Product:
    """Replace a product's picture. The file must really be a JPEG, PNG or WebP image (decoded
    with Pillow, not trusted by its name or content type) of at most 2 MB and at most
    `RAPPORT_MAX_IMAGE_PIXELS` pixels (a small file can claim a huge picture: a decompression
    bomb). Audit-logged."""
    from PIL import Image, UnidentifiedImageError

    if upload.size is None or upload.size > MAX_IMAGE_BYTES:
        raise CatalogError(_("The image must be 2 MB or smaller."))
    too_big = CatalogError(
        _("The image is too large: at most %(n)s megapixels.")
        % {"n": settings.RAPPORT_MAX_IMAGE_PIXELS // 1_000_000}
    )
    try:
        with Image.open(upload) as img:
            fmt = img.format or ""
            # Checked on the header's size, before anything is decoded.
            if img.width * img.height > settings.RAPPORT_MAX_IMAGE_PIXELS:
                raise too_big
            img.verify()
    except Image.DecompressionBombError as exc:  # Pillow's own, far larger limit
        raise too_big from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise CatalogError(_("That file is not an image we can use.")) from exc
    if fmt not in IMAGE_FORMATS:
        raise CatalogError(_("Upload a JPEG, PNG or WebP image."))
    upload.seek(0)
    with transaction.atomic():
        locked = Product.objects.select_for_update().get(pk=product.pk)
        locked.image.save(f"{locked.sku}.{IMAGE_FORMATS[fmt]}", upload, save=False)
        locked.save(update_fields=["image", "updated_at"])
        audit.record(
            action="product.image_changed",
            actor=actor,
            target=locked,
            summary="Product image uploaded",
        )
        transaction.on_commit(bump_version)
        return locked


def recompute_popularity() -> int:
    """Set every product's `popularity` to the units it has sold in orders (credit notes and
    non-product lines excluded), in one UPDATE. Used after bulk imports, which bypass
    `place_order`'s running count. Returns the number of products updated; bumps the catalogue
    version so cached listings pick up the new order."""
    from django.db.models import OuterRef, Subquery, Sum
    from django.db.models.functions import Coalesce

    from rapport.orders.models import LineKind, OrderKind, OrderLine

    units = (
        OrderLine.objects.filter(
            product=OuterRef("pk"), kind=LineKind.PRODUCT, order__kind=OrderKind.ORDER
        )
        .values("product")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    with transaction.atomic():
        updated = Product.objects.update(popularity=Coalesce(Subquery(units), 0))
    bump_version()
    return updated


EDITABLE_FIELDS = ("name", "description", "price", "is_active")


def update_product(*, product: Product, actor: Any, **changes: Any) -> Product:
    """Change a product's name, description, price or sale flag. The values before the change
    are kept as a `ProductVersion` first; placed orders are never touched (their lines carry
    their own name and price). Audit-logged; unknown fields are refused."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise CatalogError(
            _("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    price = changes.get("price")
    if price is not None and price < 0:
        raise CatalogError(_("A price cannot be negative."))
    with transaction.atomic():
        locked = Product.objects.select_for_update().get(pk=product.pk)
        changed = {k: v for k, v in changes.items() if getattr(locked, k) != v}
        if not changed:
            return locked
        _keep_version(locked, actor)
        for field, value in changed.items():
            setattr(locked, field, value)
        if "price" in changed:
            locked.price_updated_at = timezone.now()
        locked.save()
        audit.record(
            action="product.updated",
            actor=actor,
            target=locked,
            summary="Product changed: " + ", ".join(sorted(changed)),
            data={k: str(v) for k, v in changed.items()},
        )
        transaction.on_commit(bump_version)
        return locked


def _keep_version(product: Product, actor: Any) -> ProductVersion:
    last = product.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return ProductVersion.objects.create(
        product=product,
        number=last + 1,
        name=product.name,
        description=product.description,
        price=product.price,
        is_active=product.is_active,
        changed_by=actor if getattr(actor, "pk", None) else None,
    )


def retire_product(*, product: Product, actor: Any, successor: Product | None = None) -> Product:
    """Take a product off sale and off every listing; its page stays, marked archived (or sends
    visitors to `successor`)."""
    if successor is not None and successor.pk == product.pk:
        raise CatalogError(_("A product cannot succeed itself."))
    with transaction.atomic():
        locked = Product.objects.select_for_update().get(pk=product.pk)
        _keep_version(locked, actor)
        locked.is_active = False
        locked.retired_at = timezone.now()
        locked.successor = successor
        locked.save()
        audit.record(
            action="product.retired", actor=actor, target=locked, summary="Product retired"
        )
        transaction.on_commit(bump_version)
        return locked


def restore_product(*, product: Product, actor: Any) -> Product:
    """Put a retired product back on sale as it was."""
    with transaction.atomic():
        locked = Product.objects.select_for_update().get(pk=product.pk)
        _keep_version(locked, actor)
        locked.is_active = True
        locked.retired_at = None
        locked.successor = None
        locked.save()
        audit.record(
            action="product.restored", actor=actor, target=locked, summary="Product restored"
        )
        transaction.on_commit(bump_version)
        return locked
