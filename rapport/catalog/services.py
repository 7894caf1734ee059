"""Writes to the catalogue made by staff."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.catalog.cache import bump_version
from rapport.catalog.models import Product
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
