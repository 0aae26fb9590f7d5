"""congdoan.demo.names: the demo district's fixed data holds together.

Gia Lâm before 1/7/2025: 2 thị trấn and 20 xã under the district federation; from that day four
commune unions, each taking the area of some of the old communes.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from congdoan.core.paths import DEFAULT_PARAMS_DIR
from congdoan.core.plan import load_elements
from congdoan.demo import names

COMMUNE_IDS = {c.commune_id for c in names.COMMUNES}
UNION_IDS = {uid for uid, _ in names.COMMUNE_UNIONS}


def test_communes_are_named_as_towns_or_communes() -> None:
    assert len(names.COMMUNES) == 22 and len(COMMUNE_IDS) == 22
    assert sum(c.town for c in names.COMMUNES) == 2
    trau_quy, bat_trang = names.COMMUNES[0], names.COMMUNES[2]
    assert names.commune_name(trau_quy) == "Thị trấn Trâu Quỳ"
    assert names.commune_name(bat_trang) == "Xã Bát Tràng"
    # two places called Yên Viên: the town and the commune, with different names
    assert {names.commune_name(c) for c in names.COMMUNES if c.place == "Yên Viên"} == {
        "Thị trấn Yên Viên", "Xã Yên Viên"}


def test_the_federation_hands_every_commune_to_a_commune_union_on_reform_day() -> None:
    communes, uppers, areas = names.hierarchy_tables()
    assert list(communes["commune_id"]) == [c.commune_id for c in names.COMMUNES]
    federation = uppers.set_index("upper_id").loc[names.FEDERATION_ID]
    assert federation["kind"] == "district_federation"
    assert federation["valid_to"] == pd.Timestamp("2025-06-30")
    unions = uppers[uppers["kind"] == "commune_union"]
    assert set(unions["upper_id"]) == UNION_IDS
    assert (unions["valid_from"] == pd.Timestamp("2025-07-01")).all()
    assert unions["valid_to"].isna().all()
    # each commune: under the federation to 30/6/2025, then under its union, no gap, no overlap
    for commune in names.COMMUNES:
        spells = areas[areas["commune_id"] == commune.commune_id].sort_values("valid_from")
        assert list(spells["upper_id"]) == [names.FEDERATION_ID, commune.union_id]
        assert (spells["valid_from"].iloc[1] - spells["valid_to"].iloc[0]) == pd.Timedelta(days=1)
    # every commune union takes some commune
    assert {c.union_id for c in names.COMMUNES} == UNION_IDS


def test_the_hcsn_register_names_each_unit_once_in_a_known_commune() -> None:
    register = names.hcsn_register()
    # 22 district bodies, 5 per commune (kindergarten, primary, lower secondary, health
    # station, people's committee), 16 + 8 + 6 further schools
    assert len(register) == 22 + 5 * 22 + 30
    assert len({name for name, _, _ in register}) == len(register)
    assert {commune for _, commune, _ in register} <= COMMUNE_IDS
    assert {kind for _, _, kind in register} == set(names.HCSN_KINDS)
    assert ("Trạm Y tế thị trấn Trâu Quỳ", "TRAUQUY", "tram_y_te") in register
    assert ("UBND xã Bát Tràng", "BATTRANG", "ubnd") in register
    assert register == names.hcsn_register()  # a fixed order
    assert {commune for _, commune in names.DNNN_UNITS} <= COMMUNE_IDS
    assert not set(names.NEW_SCHOOLS) & {name for name, _, _ in register}


def test_sizes_and_shares_are_plausible() -> None:
    for fewest, most, women in names.HCSN_KINDS.values():
        assert 0 < fewest <= most and 0 <= women <= 1
    assert all(0 <= share <= 1 for _, share in names.FIRM_TRADES + names.COOP_TRADES)
    days = [day for day, _ in names.BASE_SALARY]
    salaries = [salary for _, salary in names.BASE_SALARY]
    assert days == sorted(days) and salaries == sorted(salaries)
    assert names.BASE_SALARY[-1] == (dt.date(2024, 7, 1), 2_340_000)


def test_every_programme_is_an_activity_of_the_packaged_elements() -> None:
    activities = {a.name for a in load_elements(DEFAULT_PARAMS_DIR).activities}
    assert set(names.PROGRAMMES) == activities
    for programme in (*names.PROGRAMMES.values(), names.DEFAULT_PROGRAMME):
        assert set(programme.halves) <= {1, 2} and programme.halves
        assert 0 <= programme.p_hcsn <= 1 and 0 <= programme.p_enterprise <= 1


def test_firm_names_are_distinct_seeded_and_carry_their_trade_s_share_of_women() -> None:
    firms, women = names.firm_names(np.random.default_rng(7), 400)
    assert len(firms) == 400 == len(set(firms)) == len(women)
    again, _ = names.firm_names(np.random.default_rng(7), 400)
    assert again == firms
    trades = dict(names.FIRM_TRADES)
    coops = dict(names.COOP_TRADES)
    company = re.compile(rf"^(?:{'|'.join(names.FIRM_FORMS)}) ({'|'.join(trades)}) "
                         rf"(?:{'|'.join(names.FIRM_CORES)})$")
    coop = re.compile(rf"^Hợp tác xã ({'|'.join(coops)}) (?:{'|'.join(names.FIRM_CORES)})$")
    fdi = re.compile(rf"^Công ty TNHH (?:{'|'.join(names.FDI_CORES)}) "
                     rf"(?:{'|'.join(names.FDI_SUFFIXES)})$")
    kinds = {"company": 0, "coop": 0, "fdi": 0}
    for name, share in zip(firms, women, strict=True):
        if m := company.match(name):
            kinds["company"] += 1
            assert share == trades[m.group(1)], name
        elif m := coop.match(name):
            kinds["coop"] += 1
            assert share == coops[m.group(1)], name
        else:
            assert fdi.match(name), name
            kinds["fdi"] += 1
            assert share == 0.6
    # about 90 % companies, 4 % cooperatives, 6 % foreign-sounding (multinomial draws)
    assert kinds["company"] > 320 and kinds["coop"] > 0 and kinds["fdi"] > 0
