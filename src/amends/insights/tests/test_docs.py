from pathlib import Path

from amends.insights.figures import VIEWS
from amends.insights.selectors import FIGURES

DOCS = Path(__file__).resolve().parents[4] / "docs" / "insights.md"


def test_the_docs_describe_every_figure_and_its_csv_columns():
    text = DOCS.read_text(encoding="utf-8")
    headings = [line.split("`")[1] for line in text.splitlines() if line.startswith("### `")]
    assert headings == list(FIGURES)
    for key, shown in VIEWS.items():
        section = text[text.index(f"### `{key}`") :].split("\n### ")[0]
        assert f"CSV: `{', '.join(shown.columns)}`" in section or (
            f"JSON and CSV: `{', '.join(shown.columns)}`" in section
        ), key
