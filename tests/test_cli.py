from dxcase import __version__
from tests.conftest import run_cli


def test_version_and_help():
    assert run_cli("--version").stdout.strip().endswith(__version__)
    helped = run_cli("--help")
    assert helped.returncode == 0
    for group in ("data", "demo"):
        assert group in helped.stdout
    data_help = run_cli("data", "--help").stdout
    for command in ("generate", "validate", "describe", "anonymize", "list"):
        assert command in data_help


def test_list_shows_parameters():
    listed = run_cli("data", "list")
    assert listed.returncode == 0
    assert "retail_sales" in listed.stdout and "parts_orders" in listed.stdout
    assert "temperature_effect" in listed.stdout and "naiji_bias" in listed.stdout


def test_unknown_dataset_and_parameter_fail_clearly(tmp_path):
    bad = run_cli(
        "data",
        "generate",
        "nope",
        "--out",
        str(tmp_path / "a"),
        "--holdout-out",
        str(tmp_path / "b"),
    )
    assert bad.returncode != 0 and "unknown dataset 'nope'" in bad.stderr
    bad = run_cli(
        "data",
        "generate",
        "retail_sales",
        "--param",
        "tempreature_effect=0",
        "--out",
        str(tmp_path / "a"),
        "--holdout-out",
        str(tmp_path / "b"),
    )
    assert bad.returncode != 0
    assert "tempreature_effect" in bad.stderr and "temperature_effect" in bad.stderr
    bad = run_cli(
        "data",
        "generate",
        "retail_sales",
        "--param",
        "n_stores=many",
        "--out",
        str(tmp_path / "a"),
        "--holdout-out",
        str(tmp_path / "b"),
    )
    assert bad.returncode != 0 and "n_stores" in bad.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
