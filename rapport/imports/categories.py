"""Derive a two-level category tree for Online Retail products from their names.

The Online Retail data has no categories. Each product name is matched against an ordered list of
keyword rules; the first rule that matches decides (so "CHRISTMAS ... T-LIGHT HOLDER" is seasonal,
not a candle holder). Keywords match whole words; a trailing `S?` in a keyword accepts plurals.
Names that match no rule land in the fallback "Gifts > Other gifts". docs/data-import.md explains
the method; the rule table below is the single source of truth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from django.utils.text import slugify

from rapport.catalog.models import Category
from rapport.imports.common import taken_slugs, unique_slug

SOURCE = "online_retail"


@dataclass(frozen=True)
class CategoryRule:
    parent: str
    child: str
    keywords: tuple[str, ...]

    @property
    def parent_key(self) -> str:
        return slugify(self.parent)

    @property
    def child_key(self) -> str:
        return f"{slugify(self.parent)}/{slugify(self.child)}"


def _rule(parent: str, child: str, keywords: str) -> CategoryRule:
    return CategoryRule(parent, child, tuple(k.strip() for k in keywords.split("|")))


# Order matters: the first match wins. Seasonal themes come first because "CHRISTMAS LANTERN"
# belongs with Christmas goods; lights before tableware because "JAM JAR T-LIGHT HOLDER" is a
# light; bags before kitchen because "LUNCH BAG" is a bag.
RULES: tuple[CategoryRule, ...] = (
    _rule(
        "Seasonal",
        "Christmas",
        "CHRISTMAS|XMAS|ADVENT|SANTA|REINDEER|SNOWMAN|SNOWMEN|SNOWFLAKES?|NATIVITY|BAUBLES?"
        "|FATHER CHRISTMAS|NOEL|ELF|TINSEL|CHRISTMAS TREE|STOCKING|TREE DECORATIONS?|GINGERBREAD",
    ),
    _rule("Seasonal", "Easter", "EASTER|BUNNY|BUNNIES|CHICKS?|EGG HUNT|HEN|HENS"),
    _rule("Seasonal", "Halloween & other occasions", "HALLOWEEN|VALENTINES?|MOTHERS DAY"),
    _rule(
        "Home & Living",
        "Candles & lights",
        "T-LIGHTS?|TLIGHTS?|TEA ?LIGHTS?|CANDLES?|CANDLESTICKS?|LANTERNS?|LIGHTS?|LAMPS?"
        "|NIGHTLIGHT|CHANDELIER|INCENSE|LAMPSHADE|LIGHT HOLDER|FAIRY LIGHTS|BULBS?|TORCH"
        "|OIL BURNER|LED|VOTIVE",
    ),
    _rule(
        "Home & Living",
        "Cushions & textiles",
        "CUSHIONS?|CUSHION COVER|DOORMAT|THROW|BLANKET|QUILT|HOT WATER BOTTLE|FILLER PAD",
    ),
    _rule("Toys & Kids", "Toys & games", "JIGSAW|DRAWING SLATE|PLAYHOUSE|PLAYING CARDS"),
    _rule("Fashion & Accessories", "Accessories", "CARD HOLDER|CARD WALLET|TRAVEL CARD"),
    _rule(
        "Stationery & Gift Wrap",
        "Cards",
        "CARDS?|GREETING|POSTCARDS?",
    ),
    _rule(
        "Party & Celebration",
        "Party supplies",
        "PARTY|BUNTING|BALLOONS?|CONFETTI|DOILIES|DOILEY|STRAWS|COCKTAIL|PARASOLS"
        "|PAPER CHAIN|PICKS|BIRTHDAY|PINATA|PAPER PLATES|PAPER CUPS|PAPER NAPKINS|CRACKERS?"
        "|HONEYCOMB|POM POM|WEDDING",
    ),
    _rule(
        "Bags & Storage",
        "Bags",
        "BAGS?|SHOPPER|TOTE|HANDBAG|RUCKSACK|BACKPACK|SATCHEL|HOLDALL|BUM BAG|CHARLOTTE BAG",
    ),
    _rule(
        "Stationery & Gift Wrap",
        "Gift wrap",
        "WRAP|WRAPPING|GIFT TAPE|RIBBONS?|TISSUES?|TAPES?|GIFT TAGS?|TAGS|GIFT PAPER|BOW",
    ),
    _rule(
        "Stationery & Gift Wrap",
        "Stationery",
        "NOTEBOOKS?|NOTE ?BOOK|PENS?|PENCILS?|ERASERS?|RUBBERS?|STICKERS?|NOTES|JOURNAL"
        "|DIARY|CALENDAR|ENVELOPES?|MEMO|RULER|CRAYONS|STAMPS?|CHALK|SKETCHBOOK|NOTEPAD"
        "|NOTELETS|BOOKMARKS?|SHARPENER|SCISSORS?|STATIONERY|ADDRESS BOOK|PAD|PADS|BOOK"
        "|CLIPS?|PHOTO ALBUM|ALBUM|LETTER ?RACK|ORGANISER|PLANNER|COLOURING|WRITING SET|HOLE PUNCH",
    ),
    _rule(
        "Kitchen & Dining",
        "Baking",
        "CAKES?|CUPCAKES?|BAKING|MOULDS?|CAKE CASES|CAKESTAND|ICING|COOKIE CUTTERS?|BAKE"
        "|PUDDING|MUFFIN|PASTRY|ROLLING PIN|SPATULA|PIE|CAKE STAND",
    ),
    _rule(
        "Kitchen & Dining",
        "Tableware",
        "MUGS?|CUPS?|TEACUPS?|SAUCERS?|PLATES?|BOWLS?|TEAPOTS?|JUGS?|TUMBLERS?|BEAKERS?"
        "|NAPKINS?|PLACEMATS?|COASTERS?|CUTLERY|SPOONS?|FORKS?|KNIFE|KNIVES|CHOPSTICKS"
        "|EGG CUPS?|TEA SET|DINNER|TRAYS?|GLASSES|GOBLET|WINE|CAKE STAND|TEA COSY|CRUET"
        "|SALT|PEPPER|SUGAR|MILK|BUTTER DISH|DISH|DISHES|PICNIC|TABLE ?CLOTH|FLASK|BOTTLE"
        "|CHAMPAGNE|BEER|STRAW|APERITIF GLASS|MILKSHAKE GLASS|CHALICE|COFFEE SET",
    ),
    _rule(
        "Kitchen & Dining",
        "Kitchenware & storage",
        "APRONS?|OVEN|TEA TOWELS?|TOWELS?|JAM|RECIPE|PANTRY|SCALES|CHOPPING|FRYING PAN"
        "|LADLE|MEASURING|STRAINER|COLANDER|BISCUITS?|TINS?|JARS?|LUNCH BOX|KITCHEN|PAN"
        "|POT HOLDER|GLOVES?|TIMER|SIEVE|WHISK|PEG|PEGS|FOOD|SNACK|BREAD|CANISTER|KILNER"
        "|HOT WATER BOTTLE|WATER BOTTLE|BOTTLE",
    ),
    _rule(
        "Fashion & Accessories",
        "Jewellery",
        "EARRINGS?|NECKLACES?|BRACELETS?|RINGS?|CHARMS?|BEADS?|BEADED|BROOCH|PENDANT"
        "|DIAMANTE|BANGLES?|JEWELLERY|JEWEL|CRYSTAL|CHOKER|ANKLET|LARIAT|HAIR ?SLIDES?"
        "|HAIRCLIPS?|HAIR CLIPS?|HAIR BAND|HAIR GRIPS?|HAIR TIE|HAIR COMB|TIARA|NECKL",
    ),
    _rule(
        "Fashion & Accessories",
        "Accessories",
        "PURSES?|WALLETS?|UMBRELLA|SCARF|HAT|SLIPPERS?|KEY ?RINGS?|KEYRING|PARASOL|SUNGLASSES"
        "|LIP GLOSS|MAKE UP|COMPACT|PASSPORT COVER|CARD HOLDER|HAIR|WATCH|BELT|SOCKS"
        "|POCKET|SHOWER CAP|GLASSES CASE|FAN|HAND WARMER|POUCH|SLIPPER|BADGES?|MITTENS"
        "|LUGGAGE TAG|KEY-CHAINS?|HEADPHONES|EAR MUFF",
    ),
    _rule(
        "Toys & Kids",
        "Toys & games",
        "TOYS?|GAMES?|JIGSAW|PUZZLES?|DOLLS?|TEDDY|SOFT|SKIPPING ROPE|CHILDRENS"
        "|CHILDS|CHILD|KIDS|BABY|FELTCRAFT|PLAYHOUSE|DOMINOES|MARBLES|BUBBLES|SPACEBOY"
        "|WATER PISTOL|KNITTING|SNAKES|LADDERS|PLAYING CARDS|SPINNING TOP|YOYO|KITE"
        "|DRAWING|MAGIC|TRAIN|INFLATABLE|DINOSAUR|ROBOT|POPPY'S|PUPPET|MONEY BOX|PIGGY BANK"
        "|BINGO|DICE|CHESS|NURSERY|SOLDIER|SEWING KIT|CRAFT|ANIMAL|TIN ROCKET|RATTLE"
        "|HAND PUPPET|MASK|STICKER|TATTOO|BEAR",
    ),
    _rule(
        "Garden & Outdoors",
        "Garden",
        "GARDEN|PLANTS?|PLANTERS?|PLANT POTS?|FLOWER POTS?|WATERING CAN|BIRD HOUSE"
        "|BIRDHOUSE|BIRD FEEDER|BIRD TABLE|FEEDER|SEEDS?|HERBS?|TROWEL|SPADE|RAKE|WINDMILL"
        "|WIND CHIME|CHIME|THERMOMETER|GNOME|OUTDOOR|SHED|WHEELBARROW|NESTING BOX",
    ),
    _rule(
        "Bath & Beauty",
        "Bath & beauty",
        "SOAP|BATH|BATHROOM|TOILET|SHOWER|NAIL|SPONGE|PLASTERS|FIRST AID|TOOTHBRUSH"
        "|WASHBAG|COSMETIC|VANITY|SPA|BEAUTY|MANICURE|TRAVEL SEWING|FLANNEL|FRAGRANCE",
    ),
    _rule(
        "Home & Living",
        "Cushions & textiles",
        "CUSHIONS?|CUSHION COVER|THROW|BLANKET|QUILT|DOORMAT|CURTAIN|RUG|MAT|FILLER PAD"
        "|PILLOW|COVER|FABRIC|FELT|BEANBAG|HOT WATER|KNITTED|EGG COSY|TABLE RUNNER|PATCHWORK",
    ),
    _rule(
        "Home & Living",
        "Wall art, frames & clocks",
        "FRAMES?|SIGNS?|PLAQUE|MIRRORS?|CLOCKS?|WALL ART|PICTURE|POSTER|PRINT|PHOTO"
        "|CANVAS|BLACKBOARD|CHALKBOARD|MEMO BOARD|NOTICE BOARD|DOOR SIGN|ALARM|WALL",
    ),
    _rule(
        "Home & Living",
        "Furniture & hooks",
        "HOOKS?|HANGERS?|COAT HANGER|COAT RACK|SHELF|SHELVES|CHAIR|STOOL|DOORSTOP"
        "|DOOR STOP|DOORKNOB|DRAWER KNOB|KNOBS?|LADDER|PEG RAIL|MAGNETS?|BOOKEND|FURNITURE",
    ),
    _rule(
        "Bags & Storage",
        "Boxes & storage",
        "BOX|BOXES|BASKETS?|STORAGE|DRAWERS?|CABINET|CRATE|HAMPER|CASE|CASES|TRUNK|CHEST"
        "|BUCKET|CONTAINER|TIDY|BIN|SHOPPING|HOLDER|RACK|ORGANISER|WASHING|LAUNDRY|CADDY",
    ),
    _rule(
        "Home & Living",
        "Decorations & ornaments",
        "DECORATIONS?|ORNAMENTS?|WREATH|GARLAND|VASES?|FLOWERS?|ARTIFICIAL|ARTIIFCIAL"
        "|HANGING|HEARTS?|BIRDS?|BUTTERFLY|BUTTERFLIES|STARS?|FIGURINE|STATUE|SCULPTURE"
        "|DOVE|ANGEL|BELL|BELLS|MOBILE|SNOW GLOBE|FEATHER|PAPERWEIGHT|FIGURE|CHERUB|SHELL"
        "|POMANDER|BIRDCAGE|CAGE|DECORATIVE|ROSE|ROSES|BLOSSOM|BOTANICAL|SILHOUETTE"
        "|WOOD LETTERS|NUMBER TILE|TOADSTOOL|MUSHROOM|PAPERWEIGHT|P'WEIGHT",
    ),
)

FALLBACK = CategoryRule("Gifts", "Other gifts", ())


def _word_pattern(keyword: str) -> str:
    # Whole words only; "S?" and "-" inside a keyword stay regex, spaces match any whitespace run.
    body = keyword.replace(" ", r"\s+")
    return rf"(?<![A-Z0-9']){body}(?![A-Z0-9])"


@cache
def _compiled() -> tuple[tuple[re.Pattern[str], CategoryRule], ...]:
    return tuple(
        (re.compile("|".join(_word_pattern(k) for k in rule.keywords)), rule) for rule in RULES
    )


def normalise_name(name: str) -> str:
    """Upper case, single spaces: the form the keywords are written in."""
    return " ".join(name.upper().split())


def classify(name: str) -> CategoryRule:
    """The first rule whose keywords occur in `name`, else the fallback."""
    text = normalise_name(name)
    for pattern, rule in _compiled():
        if pattern.search(text):
            return rule
    return FALLBACK


def all_rules() -> tuple[CategoryRule, ...]:
    """Every category the rules can produce, once each, fallback last."""
    seen: dict[str, CategoryRule] = {}
    for rule in (*RULES, FALLBACK):
        seen.setdefault(rule.child_key, rule)
    return tuple(seen.values())


def ensure_category_tree() -> dict[str, Category]:
    """Create the derived tree's missing categories; return every leaf by its `external_key`.

    Parents are keyed by the parent's slug ("home-living"), leaves by "parent/child". Existing
    categories are kept as they are (staff may have renamed them), so a second run adds nothing.
    """
    existing = {
        c.external_key: c for c in Category.objects.filter(source=SOURCE).exclude(external_key="")
    }
    taken = taken_slugs()
    leaves: dict[str, Category] = {}
    for position, rule in enumerate(all_rules(), start=1):
        parent = existing.get(rule.parent_key)
        if parent is None:
            parent = Category.objects.create(
                name=rule.parent,
                slug=unique_slug(rule.parent, taken),
                source=SOURCE,
                external_key=rule.parent_key,
                position=position,
            )
            existing[rule.parent_key] = parent
        leaf = existing.get(rule.child_key)
        if leaf is None:
            leaf = Category.objects.create(
                name=rule.child,
                slug=unique_slug(f"{rule.parent} {rule.child}", taken),
                parent=parent,
                source=SOURCE,
                external_key=rule.child_key,
                position=position,
            )
            existing[rule.child_key] = leaf
        leaves[rule.child_key] = leaf
    return leaves
