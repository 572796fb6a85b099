"""Audit sampling: reproducible selection, allocation, provenance, sample sizes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from coderlib.audit.demo import load_demo
from coderlib.audit.sampling import (
    SAMPLE_COLUMNS,
    SamplingError,
    allocate,
    attribute_sample_size,
    derive_strata,
    draw_sample,
    normal_sample_size,
)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.DataFrame({"encounter_id": [f"E{i:04d}" for i in range(1000)],
                         "coder": [f"C{i % 4}" for i in range(1000)]})


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return load_demo()


def test_srs_matches_golden_selection_for_a_fixed_seed(frame):
    # PCG64 output is specified bit for bit: this list must be the same on every platform.
    s = draw_sample(frame, "srs", 8, seed=12345)
    assert s["encounter_id"].tolist() == ["E0378", "E0794", "E0147", "E0617", "E0509", "E0048",
                                          "E0554", "E0465"]
    assert s["selection_order"].tolist() == list(range(1, 9))


def test_srs_follows_the_documented_procedure(frame):
    keys = np.random.Generator(np.random.PCG64(99)).random(len(frame))
    expected = frame["encounter_id"].to_numpy()[np.argsort(keys, kind="stable")[:25]]
    s = draw_sample(frame, "srs", 25, seed=99)
    assert s["encounter_id"].tolist() == expected.tolist()
    assert np.allclose(s["random_key"], np.sort(keys)[:25])
    assert (s["frame_row"] - 1).map(frame["encounter_id"]).tolist() == expected.tolist()


def test_same_seed_same_sample_other_seed_other_sample(demo):
    a = draw_sample(demo, "stratified", 120, seed=5, strata="setting")
    b = draw_sample(demo, "stratified", 120, seed=5, strata="setting")
    c = draw_sample(demo, "stratified", 120, seed=6, strata="setting")
    pd.testing.assert_frame_equal(a, b)
    assert a["encounter_id"].tolist() != c["encounter_id"].tolist()


def test_sample_records_its_provenance(demo):
    s = draw_sample(demo, "probe", 10, seed=3)
    for col in SAMPLE_COLUMNS:
        assert col in s.columns, col
    assert (s["sample_seed"] == 3).all()
    assert (s["frame_size"] == len(demo)).all()
    assert s["sample_method"].iloc[0] == "probe:coder:fixed"
    assert s["frame_digest"].nunique() == 1
    assert sorted(s["selection_order"]) == list(range(1, len(s) + 1))
    assert (np.diff(s["random_key"]) > 0).all()  # selection order = ascending key


def test_probe_takes_n_per_coder(demo):
    s = draw_sample(demo, "probe", 30, seed=11)
    counts = s.groupby("coder").size()
    assert len(counts) == demo["coder"].nunique() and (counts == 30).all()
    sizes = demo.groupby("coder").size()
    assert np.allclose(s["weight"], s["coder"].map(sizes) / 30)


def test_proportional_allocation_largest_remainder(demo):
    s = draw_sample(demo, "stratified", 200, seed=1, strata="payer")
    assert len(s) == 200
    got = s.groupby("stratum").size()
    share = demo["payer"].value_counts() / len(demo) * 200
    assert (abs(got - share.reindex(got.index)) < 1).all()
    assert allocate(pd.Series({"A": 1, "B": 1, "C": 1}), 2, "proportional").tolist() == [1, 1, 0]


def test_fixed_allocation_is_capped_by_stratum_size():
    f = pd.DataFrame({"encounter_id": [f"E{i}" for i in range(12)], "g": list("AAAAAAAAAABB")})
    s = draw_sample(f, "stratified", 5, seed=2, strata="g", allocation="fixed")
    assert s.groupby("stratum").size().to_dict() == {"A": 5, "B": 2}
    assert set(s.loc[s["stratum"] == "B", "weight"]) == {1.0}


def test_derived_strata(demo):
    fam = derive_strata(demo, "drg_family")
    assert "(no DRG)" in set(fam)
    assert fam[demo["setting"] == "inpatient"].ne("(no DRG)").all()
    dollars = derive_strata(demo, "dollar_stratum")
    assert dollars.nunique() <= 4
    s = draw_sample(demo, "stratified", 60, seed=4, strata="drg_family")
    assert len(s) == 60


@pytest.mark.parametrize("kwargs, needle", [
    ({"method": "srs", "size": 5000}, "--size"),
    ({"method": "srs", "size": 5, "strata": "coder"}, "--strata"),
    ({"method": "stratified", "size": 5}, "--strata COLUMN is required"),
    ({"method": "stratified", "size": 5, "strata": "nope"}, "'nope' is not a column"),
    ({"method": "cluster", "size": 5}, "--method"),
    ({"method": "srs", "size": 5, "seed": -1}, "--seed"),
])
def test_bad_requests_are_named(frame, kwargs, needle):
    kwargs = {"seed": 1} | kwargs
    with pytest.raises(SamplingError, match=needle.replace("-", r"\-")):
        draw_sample(frame, kwargs.pop("method"), kwargs.pop("size"), **kwargs)


def test_attribute_sample_size_is_the_smallest_meeting_precision():
    res = attribute_sample_size(0.05, 0.95, 0.04)

    def meets(n: int) -> bool:
        x = int(np.ceil(n * 0.05 - 1e-9))
        ci = stats.binomtest(x, n).proportion_ci(0.95, method="exact")
        return ci.low >= 0.01 - 1e-12 and ci.high <= 0.09 + 1e-12

    assert meets(res.sample_size)
    assert not any(meets(n) for n in range(res.sample_size - 40, res.sample_size))
    # and no smaller n at all (vectorised exact bounds, independent of the library)
    n = np.arange(1, res.sample_size)
    x = np.ceil(n * 0.05 - 1e-9)
    lo = np.where(x > 0, stats.beta.ppf(0.025, x, n - x + 1), 0)
    hi = stats.beta.ppf(0.975, x + 1, n - x)
    assert not ((lo >= 0.01) & (hi <= 0.09)).any()
    assert res.sample_size > normal_sample_size(0.05, 0.95, 0.04)  # exact is stricter


def test_attribute_sample_size_finite_universe_and_validation():
    big = attribute_sample_size(0.10, 0.90, 0.05)
    small = attribute_sample_size(0.10, 0.90, 0.05, universe=300)
    assert small.method == "hypergeometric" and small.sample_size < big.sample_size
    assert normal_sample_size(0.05, 0.95, 0.05) == 73
    with pytest.raises(SamplingError, match="--expected-error"):
        attribute_sample_size(1.5)
