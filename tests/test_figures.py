"""Figures: translation table, inputs, what each figure shows, notes instead of images, determinism."""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import shutil
import string
from pathlib import Path
from typing import Any

import matplotlib
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from spinereview.config import load_config
from spinereview.errors import InputError, SpinereviewError
from spinereview.figures import article, commands, evidence_map, funnel, i18n, names, prisma, rob
from spinereview.figures.alt import prisma as prisma_alt
from spinereview.figures.data import load_analysis, read_pooled, read_randomised
from spinereview.figures.forest import build_rows, draw_forest
from spinereview.figures.run import (
    Inputs,
    draw_figures,
    draw_prisma_figures,
    read_certainty,
    read_findings,
    read_reviews,
)
from spinereview.figures.style import check_font, figure_style, save_figure

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests/data/figures/input"
SETTINGS = json.loads((DATA / "settings.json").read_text(encoding="utf-8"))
CONFIG = load_config(ROOT / "config/config.yaml")


def inputs(rob_sheet: Path | None = DATA / "risk_of_bias.csv") -> Inputs:
    return Inputs(DATA / "pooled.csv", DATA / "analyses", DATA / "prisma.json",
                  DATA / "included.csv", rob_sheet, DATA / "reviews.csv",
                  DATA / "findings.csv")  # fmt: skip


def figures(**over: Any) -> dict[str, Any]:
    return {**SETTINGS["figures"], **over}


def texts(fig: Figure) -> list[str]:
    """Every piece of text drawn on a figure (tick labels and legends included); lines wrapped to
    the print width are joined again."""
    fig.canvas.draw()  # resolves tick labels
    shown = [t.get_text() for t in fig.findobj(Text) if t.get_text()]
    return [" ".join(t.replace("\u00a0", " ").split("\n")) for t in shown]


def analysis(name: str) -> Any:
    included = read_randomised(DATA / "included.csv")
    return load_analysis(DATA / "analyses" / f"{name}.json", included)


# --- the translation table -------------------------------------------------------------------


def test_every_label_has_both_languages_with_the_same_fields() -> None:
    fields = string.Formatter()
    for key, entry in i18n.TABLE.items():
        assert set(entry) == set(i18n.LANGUAGES), key
        de, en = ({f for _, f, _, _ in fields.parse(entry[lang]) if f} for lang in ("de", "en"))
        assert de == en, key


def test_every_label_the_figures_ask_for_is_in_the_table() -> None:
    source = "".join(p.read_text() for p in (ROOT / "src/spinereview/figures").glob("*.py"))
    keys = set(re.findall(r'\btr\(\s*"([a-z0-9_.]+)"', source))
    assert keys, "no labels found"
    assert keys - set(i18n.TABLE) == set()


def test_screening_reasons_and_configured_windows_and_scales_have_labels() -> None:
    for criterion in CONFIG["screening"]["criteria"]:
        assert f"reason.{criterion}" in i18n.TABLE
    for window in CONFIG["extraction"]["windows"]:
        assert f"window.{window['id']}" in i18n.TABLE
    for spec in CONFIG["meta"]["analyses"]:
        assert f"scale.{spec['scale']}" in i18n.TABLE


def test_unknown_label_or_language_fails_loudly() -> None:
    with pytest.raises(SpinereviewError, match="no translation"):
        i18n.tr("no.such.label", "de")
    with pytest.raises(SpinereviewError, match="language 'fr'"):
        i18n.tr("pi", "fr")


def test_numbers_follow_the_language() -> None:
    assert i18n.num(-4.867, "de") == "−4,9"
    assert i18n.num(-4.867, "en") == "−4.9"
    assert i18n.num(-0.04, "en") == "0.0"  # no negative zero
    assert i18n.interval(-64.7, 55.0, "de") == "[−64,7; 55,0]"
    assert i18n.p_value(0.0004, "de") == "< 0,001"
    assert i18n.p_value(0.206, "en") == "0.21"
    assert i18n.weeks(6.0, "de") == "6 Wochen" and i18n.weeks(1.0, "de") == "1 Woche"
    assert i18n.integer(1200, "de") == "1200" and i18n.integer(12345, "de") == "12\u202f345"
    assert i18n.integer(1200, "en") == "1,200"
    assert i18n.tr("percent", "de", v="40") == "40\u202f%"


def test_window_bounds_come_from_the_extraction_config() -> None:
    bounds = i18n.window_bounds(CONFIG["extraction"]["windows"], "en")
    assert bounds == {"immediate": "≤ 2 wk", "short": "> 2 to ≤ 13 wk",
                      "intermediate": "> 13 to < 52 wk", "long": "≥ 52 wk"}  # fmt: skip
    german = i18n.window_bounds(CONFIG["extraction"]["windows"], "de")
    assert german == {"immediate": "bis 2 Wochen", "short": "über 2 bis 13 Wochen",
                      "intermediate": "über 13 bis unter 52 Wochen", "long": "ab 52 Wochen"}  # fmt: skip


# --- inputs ----------------------------------------------------------------------------------


def test_analysis_json_is_read_in_window_order_with_randomised_n() -> None:
    a = analysis("syn_pain_epidural")
    assert [w.window for w in a.windows] == ["immediate", "short", "intermediate", "long"]
    short = a.windows[1]
    assert (short.k, short.estimate, short.q_df) == (3, -7.1, 2)
    b2002 = next(s for s in short.studies if s.study_id == "B2002")
    assert (b2002.n, b2002.n_is_randomised) == (120, True)
    assert short.studies[0].uncertain


def test_broken_analysis_json_names_file_and_field(tmp_path: Path) -> None:
    data = json.loads((DATA / "analyses/syn_pain_facet.json").read_text())
    del data["windows"]["immediate"]["main"]["studies"][0]["yi"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(InputError, match=r"bad\.json.*field 'yi'"):
        load_analysis(bad)
    bad.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        load_analysis(bad)


def test_missing_input_fails_naming_it(tmp_path: Path) -> None:
    broken = Inputs(tmp_path / "pooled.csv", DATA / "analyses", DATA / "prisma.json")
    with pytest.raises(InputError, match=r"pooled\.csv: file not found"):
        draw_figures(broken, figures(formats=["svg"]), SETTINGS["meta"], tmp_path / "out")
    assert not (tmp_path / "out/article_pain_by_window.en.svg").exists()


def test_prisma_without_a_count_names_the_field() -> None:
    counts = json.loads((DATA / "prisma.json").read_text())
    del counts["other_methods"]["reports_assessed"]
    with pytest.raises(InputError, match="field 'reports_assessed'"):
        prisma.check_prisma(counts, "prisma.json")


def test_settings_are_checked() -> None:
    with pytest.raises(SpinereviewError, match="formats"):
        draw_figures(inputs(), figures(formats=["gif"]), SETTINGS["meta"], "unused")
    with pytest.raises(SpinereviewError, match="language"):
        draw_figures(inputs(), figures(languages=["fr"]), SETTINGS["meta"], "unused")
    with pytest.raises(SpinereviewError, match="languages must be a list"):
        draw_figures(inputs(), figures(languages="de"), SETTINGS["meta"], "unused")
    with pytest.raises(SpinereviewError, match="size 'a4'"):
        draw_figures(inputs(), figures(size="a4"), SETTINGS["meta"], "unused")
    with pytest.raises(SpinereviewError, match=r"mcid\.value"):
        draw_figures(inputs(), figures(mcid={"value": "ten"}), SETTINGS["meta"], "unused")


# --- what the figures show -------------------------------------------------------------------


def test_forest_rows_show_pooled_result_or_the_reason_there_is_none() -> None:
    a = analysis("syn_pain_epidural")
    kinds = [(r.window.window, r.kind) for r in build_rows(a)]
    assert kinds == [("immediate", "header"), ("immediate", "note"), ("short", "header"),
                     *[("short", "study")] * 3, ("short", "pooled"), ("short", "pi"),
                     ("short", "het"), ("intermediate", "header"), ("intermediate", "study"),
                     ("intermediate", "note"), ("long", "header"), ("long", "note")]  # fmt: skip
    with figure_style():
        shown = texts(draw_forest(a, "en", i18n.window_bounds(SETTINGS["windows"], "en")))
    for expected in ("Pooled (k = 3, n = 321)", "k = 1: no pooling", "no poolable data",
                     "Heterogeneity: τ² = 12.30; I² = 40%; Q = 3.35 (df = 2), p = 0.19",
                     "← favours injection", "favours control →", "A2001 *", "120 †",
                     "Short term (> 2 to ≤ 13 wk)", "−7.1 [−15.2, 1.0]", "[−25.4, 11.2]"):  # fmt: skip
        assert expected in shown, expected


WINDOWS = [w["id"] for w in SETTINGS["windows"]]
CLASSES = SETTINGS["figures"]["article"]["classes"]


def panels(lang: str = "en") -> list[article.Panel]:
    reviews = read_reviews(DATA / "reviews.csv")
    certainty = read_certainty(DATA / "findings.csv")
    return article.build_panels(SETTINGS["meta"], CLASSES, read_pooled(DATA / "pooled.csv"),
                                reviews, WINDOWS, lang, certainty)  # fmt: skip


def test_article_panels_hold_reviews_and_own_cells_per_window() -> None:
    built = panels()
    assert [p.class_id for p in built] == ["epidural", "facet"]  # no sacroiliac data: no panel
    epidural = dict(built[0].windows)
    assert [m.kind for m in epidural["short"]] == ["review", "own"]
    assert epidural["short"][0].label == "Synthetic review A"
    assert epidural["short"][0].detail == "k = 12, n = 1,200 · GRADE: moderate"
    assert epidural["short"][1].label == "This review, vs placebo/sham"
    assert epidural["short"][1].detail == "k = 3 · certainty (GRADE, this review's rating): low"
    facet_immediate = dict(built[1].windows)["immediate"][0]  # no certainty: k stays in the label
    assert facet_immediate.label == "This review, vs local anaesthetic · k = 2"
    assert facet_immediate.detail == ""
    assert epidural["immediate"][0].detail == (
        "k, n not reported · strength of evidence (AHRQ): low · ≈ window"
    )
    assert [m.kind for m in epidural["long"]] == ["empty"]  # one compact line
    # the row kept out of the figure (in_figure false) and the size-only row are not drawn
    labels = [m.label for p in built for _, marks in p.windows for m in marks]
    assert not any("Synthetic review C" in x or "review D" in x for x in labels)


def test_article_axis_follows_the_estimates_and_clips_wide_intervals() -> None:
    built = panels()
    limit = article.axis_limit(built, 10.0)
    assert limit == 20  # set by review A/B and own cells, not by review B's facet CI (-40 to 48)
    with figure_style():
        fig = article.draw_article(built, SETTINGS["meta"], 10.0, "en")
        shown = texts(fig)
    assert fig.axes[0].get_xlim() == (-20.0, 20.0)
    assert "4.0 [−40.0, 48.0]" in shown and "interval runs beyond the axis" in shown
    assert "clinically important threshold (±10 points, between-group, judgement)" in shown
    assert shown.count("no data") == 3  # immediate facet, long epidural, long facet... compact


def test_article_labels_are_german_in_german() -> None:
    with figure_style():
        shown = texts(article.draw_article(panels("de"), SETTINGS["meta"], 10.0, "de"))
    assert "k = 12, n = 1200 · GRADE: moderat" in shown
    assert "Diese Übersicht, gegen Placebo/Scheinbehandlung" in shown
    assert "k = 3 · Vertrauenswürdigkeit (GRADE, eigene Bewertung): niedrig" in shown
    assert "−6,0 [−9,0; −3,0]" in shown


def test_article_caption_states_the_kind_of_threshold_and_what_is_left_out() -> None:
    mcid = SETTINGS["figures"]["mcid"]
    text = article.caption(panels(), SETTINGS["meta"], WINDOWS, mcid, "en", left_out=2)
    assert "±10 points" in text and mcid["kind"] in text and "REML, Hartung-Knapp" in text
    assert "Not shown: 2 results of published reviews" in text
    localised = {"value": 10, "kind": {"de": "Urteil (Gruppenunterschied)", "en": "judgement"}}
    assert "Art der Schwelle: Urteil (Gruppenunterschied)." in article.caption(
        panels("de"), SETTINGS["meta"], WINDOWS, localised, "de"
    )


def test_evidence_map_rows_colour_own_cells_by_grade_and_hatch_reviews() -> None:
    rows = evidence_map.build_rows(SETTINGS["meta"], CLASSES, read_findings(DATA / "findings.csv"),
                                   read_reviews(DATA / "reviews.csv"), "en")  # fmt: skip
    labels = [(r.group, r.label) for r in rows]
    assert labels == [
        ("Synthetic epidural class", "Synthetic epidural vs placebo: pain"),
        ("Synthetic epidural class", "Synthetic review A"),
        ("Synthetic epidural class", "Synthetic review B"),
        ("Synthetic facet class", "Synthetic facet vs local anaesthetic: pain"),
        ("Synthetic facet class", "Synthetic review B, facet"),
    ]
    own = rows[0].cells
    assert set(own) == {"short", "intermediate"}  # k = 0 windows stay empty
    assert own["short"] == evidence_map.Cell("−7.1\nk = 3", "low")
    assert rows[3].cells["immediate"].certainty == ""  # pooled but not rated: white, not a colour
    review_b = rows[2].cells["immediate"]
    assert review_b.reported and review_b.certainty == "low" and review_b.text == "−8.0\nk unknown"
    with figure_style():
        shown = texts(evidence_map.draw_map(rows, WINDOWS, "en"))
    assert "Evidence map: comparison × window, colour = certainty" in shown
    assert {"very low", "published review", "no data"} <= set(shown)


def test_funnel_is_drawn_only_from_ten_studies(tmp_path: Path) -> None:
    written = draw_figures(inputs(), figures(formats=["svg"]), SETTINGS["meta"], tmp_path,
                           SETTINGS["windows"])  # fmt: skip
    drawn = sorted(p.name for p in (tmp_path / "funnel").glob("*.svg"))
    assert drawn == ["funnel_syn_disability_funnel_short.en.svg"]
    notes = (tmp_path / "funnel/notes.txt").read_text().splitlines()
    assert "syn_pain_epidural / short (k = 3): not drawn: k < 10" in notes
    index = json.loads((tmp_path / "funnel/index.json").read_text())
    assert sum(entry["drawn"] for entry in index["plots"]) == 1
    assert tmp_path / "funnel/notes.txt" in written


def test_funnel_shows_contours_and_every_study() -> None:
    window = analysis("syn_disability_funnel").windows[1]
    assert funnel.drawable(window) and window.k == 12
    with figure_style():
        fig = funnel.draw_funnel(window.studies, window.estimate, "disability_0_100", "en", "t")
    shown = texts(fig)
    assert {"p ≤ 0.01", "0.01 < p ≤ 0.05", "0.05 < p ≤ 0.10", "p > 0.10"} <= set(shown)
    points = [line for line in fig.axes[0].lines if len(line.get_xdata()) == 12]
    assert len(points) == 1


def test_risk_of_bias_without_a_sheet_is_a_note(tmp_path: Path) -> None:
    draw_figures(inputs(rob_sheet=tmp_path / "risk_of_bias.csv"), figures(formats=["svg"]),
                 SETTINGS["meta"], tmp_path / "out")  # fmt: skip
    assert sorted(p.name for p in (tmp_path / "out/rob").iterdir()) == ["index.json", "notes.txt"]
    assert "not drawn: no sheet" in (tmp_path / "out/rob/notes.txt").read_text()


def test_risk_of_bias_sheet_is_drawn_and_validated(tmp_path: Path) -> None:
    rows = rob.read_rob_sheet(DATA / "risk_of_bias.csv")
    assert [r.label for r in rows] == ["A2001", "B2002", "C2003", "D2004"]
    assert rows[1].judgements == ("low", "high", "low", "low", "some_concerns", "high")
    with figure_style():
        shown = texts(rob.draw_rob(rows, "de"))
    assert {"Gesamt", "×  hoch"} <= set(shown)
    assert any("D2 Abweichung von Intervention" in t for t in shown)
    bad = tmp_path / "risk_of_bias.csv"
    bad.write_text("study_id,D1,D2,D3,D4,D5,overall\nX1,low,low,low,low,unclear,low\n")
    with pytest.raises(InputError, match="line 2, field 'D5'"):
        rob.read_rob_sheet(bad)
    bad.write_text("study_id,D1,D2,D3,D4,overall\n")
    with pytest.raises(InputError, match="field 'd5'"):
        rob.read_rob_sheet(bad)


def test_prisma_shows_every_count_and_reason() -> None:
    counts = json.loads((DATA / "prisma.json").read_text())
    lines = [line for box in prisma.build_boxes(counts, "en") for line in box.lines]
    joined = " ".join(" ".join(lines).split())  # wrapped lines, indents and no-break spaces
    for expected in ("PubMed (n = 80)", "query 'query_one' (n = 50)", "Duplicate records (n = 4)",
                     "same DOI (n = 1)", "Records screened (n = 76)", "Publication type (n = 15)",
                     "Pain duration (n = 8)", "of which awaiting classification (n = 1)",
                     "citation searching (n = 6)", "Studies included in review (n = 17)",
                     "Reports of included studies (n = 19)", "15 reports via databases, 4 via"):  # fmt: skip
        assert expected in joined, expected


def test_prisma_shows_records_withheld_by_pubmed_as_not_retrieved() -> None:
    """Withheld PMIDs (issue 17): in the screened box as passed on unscreened, and in the
    not-retrieved box with their reason; the alt text says so too. Without any, nothing changes."""
    counts = json.loads((DATA / "prisma.json").read_text())
    plain = prisma.build_boxes(counts, "en")
    db = counts["databases"]
    for key in ("records_identified", "records_screened", "reports_sought"):
        db[key] += 2
    db["reports_not_retrieved"] = 2
    db["reports_not_retrieved_reasons"] = {"withheld_by_pubmed": 2}
    boxes = prisma.build_boxes(counts, "en")
    joined = " ".join(" ".join(line for b in boxes for line in b.lines).split())
    for expected in ("Records screened (n = 78) of which 2 without a record (withheld by PubMed), "
                     "passed on unscreened", "Reports not retrieved (n = 2) withheld by PubMed "
                     "(efetch) (n = 2)"):  # fmt: skip
        assert expected in joined.replace("\u00a0", " "), expected
    assert len(boxes) == len(plain)
    german = " ".join(line for b in prisma.build_boxes(counts, "de") for line in b.lines)
    assert "von PubMed zurückgehalten (efetch)" in " ".join(german.split())
    assert "2 reports not retrieved (withheld by PubMed)." in prisma_alt(counts, "en")
    assert "not retrieved" not in prisma_alt(json.loads((DATA / "prisma.json").read_text()), "en")
    prisma.draw_prisma(counts, "de")


# --- files, determinism, CLI -----------------------------------------------------------------


def test_bundled_font_is_used() -> None:
    assert Path(matplotlib.get_data_path()).resolve() in check_font().parents


def test_written_files_are_exactly_what_snakemake_declares(tmp_path: Path) -> None:
    written = draw_figures(inputs(), figures(formats=["svg", "png"]), SETTINGS["meta"], tmp_path,
                           SETTINGS["windows"])  # fmt: skip
    top = {p.name for p in written if p.parent == tmp_path}
    declared = {names.figure_file(n, "en", f) for n in names.figure_names(SETTINGS["meta"])
                for f in ("svg", "png")}  # fmt: skip
    alt = {names.alt_name(n, "en") for n in names.figure_names(SETTINGS["meta"])}
    assert top == declared | alt | {names.caption_name("en")}
    assert top == {p.name for p in tmp_path.iterdir() if p.is_file()}
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["funnel", "rob"]
    assert not list(tmp_path.rglob("*.tmp"))


def test_two_clean_runs_give_identical_bytes(tmp_path: Path) -> None:
    """Also one process against two (the workflow draws with --jobs 2): the same bytes."""
    runs = []
    for name, jobs in (("a", 1), ("b", 2)):
        draw_figures(inputs(), figures(), SETTINGS["meta"], tmp_path / name, SETTINGS["windows"],
                     jobs=jobs)  # fmt: skip
        runs.append({p.relative_to(tmp_path / name): p.read_bytes()
                     for p in sorted((tmp_path / name).rglob("*")) if p.is_file()})  # fmt: skip
    assert runs[0].keys() == runs[1].keys()
    assert {p.suffix for p in runs[0]} >= {".svg", ".png", ".pdf", ".txt", ".json"}
    for path, data in runs[0].items():
        assert data == runs[1][path], path
    svg = runs[0][Path("prisma_flow.en.svg")]
    assert b"<dc:date>" not in svg and b"Matplotlib v" not in svg
    assert b"CreationDate" not in runs[0][Path("prisma_flow.en.pdf")]


def test_prisma_drawn_apart_gives_the_same_files_and_neither_step_removes_the_others(
    tmp_path: Path,
) -> None:
    """The workflow draws the PRISMA diagram in its own step (draw-prisma) and the rest with
    --no-prisma: together the same files and bytes as one draw_figures; neither prunes the other's
    files, each still prunes its own stale ones."""
    settings = figures(formats=["svg"], languages=["de", "en"])
    whole, apart = tmp_path / "whole", tmp_path / "apart"
    draw_figures(inputs(), settings, SETTINGS["meta"], whole, SETTINGS["windows"])
    apart.mkdir()
    (apart / "prisma_flow.fr.svg").write_text("stale")  # a language no longer drawn
    (apart / "forest_gone.en.svg").write_text("stale")  # an analysis no longer configured
    prisma_files = draw_prisma_figures(DATA / "prisma.json", settings, apart)
    assert sorted(p.name for p in prisma_files) == [
        "prisma_flow.alt.de.txt", "prisma_flow.alt.en.txt", "prisma_flow.de.svg", "prisma_flow.en.svg",
    ]  # fmt: skip
    assert not (apart / "prisma_flow.fr.svg").exists()
    assert (apart / "forest_gone.en.svg").exists()  # not draw-prisma's to remove
    rest = draw_figures(inputs(), settings, SETTINGS["meta"], apart, SETTINGS["windows"],
                        prisma_figure=False)  # fmt: skip
    assert not any(p.name.startswith("prisma_flow") for p in rest)
    assert not (apart / "forest_gone.en.svg").exists()
    files = {p.relative_to(whole): p.read_bytes() for p in sorted(whole.rglob("*")) if p.is_file()}
    assert files == {
        p.relative_to(apart): p.read_bytes() for p in sorted(apart.rglob("*")) if p.is_file()
    }


def test_draw_figures_without_prisma_reads_no_prisma_file(tmp_path: Path) -> None:
    missing = dataclasses.replace(inputs(), prisma=tmp_path / "no_such_prisma.json")
    draw_figures(missing, figures(formats=["svg"]), SETTINGS["meta"], tmp_path / "out",
                 SETTINGS["windows"], prisma_figure=False)  # fmt: skip
    with pytest.raises(InputError, match=r"no_such_prisma\.json"):
        draw_figures(missing, figures(formats=["svg"]), SETTINGS["meta"], tmp_path / "out2")


def test_a_failure_in_a_worker_is_raised_as_with_one_process(tmp_path: Path) -> None:
    bad = tmp_path / "risk_of_bias.csv"
    bad.write_text("study_id,D1,D2,D3,D4,D5,overall\nX1,low,low,low,low,unclear,low\n")
    for jobs in (1, 3):
        with pytest.raises(InputError, match="line 2, field 'D5'"):
            draw_figures(inputs(rob_sheet=bad), figures(formats=["svg"]), SETTINGS["meta"],
                         tmp_path / f"out{jobs}", SETTINGS["windows"], jobs=jobs)  # fmt: skip


def test_failed_save_leaves_no_file(tmp_path: Path) -> None:
    with figure_style(), pytest.raises(SpinereviewError, match="format"):
        save_figure(Figure(), tmp_path, "x", ["svg", "bmp"], 72)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.svg"]


def test_cli_subcommand(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers())
    args = parser.parse_args([
        "draw-figures", "--pooled", str(DATA / "pooled.csv"), "--analyses-dir",
        str(DATA / "analyses"), "--prisma", str(DATA / "prisma.json"),
        "--settings", json.dumps(figures(formats=["svg"])),
        "--meta-settings", json.dumps(SETTINGS["meta"]), "--out-dir", str(tmp_path),
    ])  # fmt: skip
    args.func(args)
    assert (tmp_path / "prisma_flow.en.svg").is_file()
    assert "not drawn" in (tmp_path / "rob/notes.txt").read_text()
    args.meta_settings = []
    with pytest.raises(SpinereviewError, match="--meta-settings must be a JSON dict"):
        args.func(args)


def test_stale_funnel_plots_of_an_earlier_run_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / "funnel/funnel_gone_short.en.svg"
    stale.parent.mkdir()
    stale.write_text("<svg/>")
    shutil.copy(stale, tmp_path / "funnel/keep.me")
    draw_figures(inputs(), figures(formats=["svg"]), SETTINGS["meta"], tmp_path)
    assert not stale.exists() and (tmp_path / "funnel/keep.me").exists()


def test_forest_shows_a_dash_where_the_cell_has_no_prediction_interval() -> None:
    """k < meta.prediction_interval_min_k: the JSON has no PI, the forest row says "—"."""
    a = analysis("syn_pain_epidural")
    windows = tuple(
        dataclasses.replace(w, pi_low=None, pi_high=None) if w.window == "short" else w
        for w in a.windows
    )
    with figure_style():
        shown = texts(draw_forest(dataclasses.replace(a, windows=windows), "en", None))
    assert "—" in shown and "[−25.4, 11.2]" not in shown
