"""The reference catalogue of service items (189 items from 12 bureaus).

DOMAIN.md gives the totals (published) and a few item names (published); the remaining
items are generated and marked ``source=generated``. Families and their shares are the
assumed defaults of DOMAIN.md. The catalogue CSV shipped in ``scenarios/data`` is written
by this module (``python -m simulator.model.catalogue``) and a test checks they agree, so the
data file can always be regenerated.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

# (bureau, source of the bureau name)
BUREAUS: tuple[tuple[str, str], ...] = (
    ("public_security", "published"),
    ("civil_affairs", "published"),
    ("human_resources_social_security", "published"),
    ("health", "published"),
    ("housing", "published"),
    ("grain", "published"),
    ("trade_union", "published"),
    ("disabled_persons_federation", "published"),
    ("medical_insurance", "assumed"),
    ("veterans_affairs", "assumed"),
    ("justice", "assumed"),
    ("women_federation", "assumed"),
)

# Published example items: (id suffix, English name, Chinese name, bureau, family,
# cross-province, back office)
PUBLISHED_ITEMS: tuple[tuple[str, str, str, str, str, bool, bool], ...] = (
    (
        "residence_permit",
        "Residence permit",
        "居住证办理",
        "public_security",
        "standard",
        False,
        True,
    ),
    (
        "social_security_card",
        "Social security card",
        "社会保障卡办理",
        "human_resources_social_security",
        "standard",
        False,
        False,
    ),
    (
        "minimum_living_allowance",
        "Minimum living allowance application",
        "最低生活保障申请",
        "civil_affairs",
        "complex",
        False,
        True,
    ),
    (
        "disability_living_subsidy",
        "Living subsidy for disabled people in hardship",
        "困难残疾人生活补贴",
        "disabled_persons_federation",
        "complex",
        False,
        True,
    ),
    (
        "unemployment_registration",
        "Unemployment registration",
        "失业登记",
        "human_resources_social_security",
        "complex",
        False,
        True,
    ),
    (
        "resident_pension",
        "Urban-rural resident pension insurance",
        "城乡居民养老保险",
        "human_resources_social_security",
        "standard",
        False,
        True,
    ),
    (
        "medical_insurance",
        "Medical insurance",
        "医疗保险",
        "medical_insurance",
        "standard",
        False,
        False,
    ),
    (
        "work_injury",
        "Work injury",
        "工伤认定",
        "human_resources_social_security",
        "complex",
        False,
        True,
    ),
    (
        "low_rent_housing",
        "Low-rent housing application",
        "廉租住房申请",
        "housing",
        "complex",
        False,
        True,
    ),
    ("archive_query", "Archive query", "档案查询", "civil_affairs", "cross_province", False, False),
    (
        "xp_offsite_medical",
        "Off-site medical treatment registration (YRD)",
        "异地就医登记备案",
        "medical_insurance",
        "cross_province",
        True,
        False,
    ),
    (
        "xp_social_insurance_record",
        "Social insurance enquiry and record printing (YRD)",
        "社保查询及打印",
        "human_resources_social_security",
        "cross_province",
        True,
        False,
    ),
    (
        "xp_senior_card",
        "Senior citizen card application and issue (YRD)",
        "老年人优待证办理",
        "civil_affairs",
        "cross_province",
        True,
        False,
    ),
    (
        "xp_marriage_archive",
        "Marriage registration archive query (YRD)",
        "婚姻登记档案查询",
        "civil_affairs",
        "cross_province",
        True,
        False,
    ),
)

N_ITEMS = 189  # published
N_CROSS_PROVINCE = 21  # published
# Assumed number of items per family (DOMAIN.md gives visit shares, not item counts).
FAMILY_ITEM_COUNTS = {
    "quick": 40,
    "standard": 70,
    "complex": 40,
    "cross_province": 24,
    "consultation": 15,
}


def reference_catalogue(seed: int = 20260101) -> pd.DataFrame:
    """Build the reference catalogue deterministically.

    Within a family, visit weights follow a Zipf-like law (weight proportional to
    1/rank): a few items carry most visits, as in any service catalogue (assumed).
    Weights are normalised so each family's weights sum to 1; the family shares of
    visits are applied by the scenario (``catalogue.families.<f>.share``).
    """
    rng = np.random.default_rng(seed)
    rows = []
    counts = dict(FAMILY_ITEM_COUNTS)
    assert sum(counts.values()) == N_ITEMS
    published_by_family: dict[str, list[tuple[str, str, str, str, str, bool, bool]]] = {}
    for p in PUBLISHED_ITEMS:
        published_by_family.setdefault(p[4], []).append(p)
    n_xp_published = sum(1 for p in PUBLISHED_ITEMS if p[5])
    bureau_names = [b for b, _ in BUREAUS]
    for family, n in counts.items():
        pubs = published_by_family.get(family, [])
        xp_needed = N_CROSS_PROVINCE - n_xp_published if family == "cross_province" else 0
        for rank in range(1, n + 1):
            if rank <= len(pubs):
                sfx, en, zh, bureau, _, xp, bo = pubs[rank - 1]
                source = "published"
            else:
                k = rank - len(pubs)
                xp = family == "cross_province" and k <= xp_needed
                sfx = f"{'xp_' if xp else ''}{family}_{k:03d}"
                en = f"Generated {family.replace('_', '-')} item {k}" + (" (YRD)" if xp else "")
                zh = ""
                bureau = bureau_names[int(rng.integers(len(bureau_names)))]
                bo = family == "complex" or (family == "standard" and rng.random() < 0.3)
                source = "generated"
            rows.append(
                {
                    "item_id": sfx,
                    "name_en": en,
                    "name_zh": zh,
                    "bureau": bureau,
                    "family": family,
                    "weight": 1.0 / rank,
                    "source": source,
                    "cross_province": bool(xp),
                    "back_office": bool(bo),
                }
            )
    frame = pd.DataFrame(rows)
    frame["weight"] = frame["weight"] / frame.groupby("family")["weight"].transform("sum")
    frame["weight"] = frame["weight"].round(6)
    return frame


# Published counts of the 21 cross-province items each province's system offers.
PROVINCE_ITEM_COUNTS = {"shanghai": 20, "jiangsu": 9, "zhejiang": 11, "anhui": 7}


def reference_availability(seed: int = 20260102) -> pd.DataFrame:
    """Item x province availability of the 21 cross-province items.

    The counts per province are published; WHICH items each province offers is an
    assumption until data arrive: every province offers the most visited items first
    (in catalogue order) with a seeded shuffle among the rest.
    """
    cat = reference_catalogue()
    xp = cat[cat["cross_province"]].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"item_id": xp["item_id"], "name_en": xp["name_en"]})
    n = len(xp)
    for prov, count in PROVINCE_ITEM_COUNTS.items():
        # The top third by visits is always offered; the rest is drawn.
        top = min(count, n // 3)
        rest = rng.permutation(np.arange(top, n))[: count - top]
        offered = np.zeros(n, dtype=int)
        offered[:top] = 1
        offered[rest] = 1
        frame[prov] = offered
    return frame


def catalogue_path() -> Path:
    import scenarios

    return Path(scenarios.__file__).resolve().parent / "data" / "items_reference.csv"


def main(argv: list[str] | None = None) -> None:
    """Write the reference catalogue and availability CSVs
    (``python -m simulator.model.catalogue [folder]``)."""
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else catalogue_path().parent
    for name, frame in (
        ("items_reference.csv", reference_catalogue()),
        ("cross_province_availability.csv", reference_availability()),
    ):
        frame.to_csv(folder / name, index=False)
        print(f"wrote {folder / name}")


if __name__ == "__main__":
    main()
