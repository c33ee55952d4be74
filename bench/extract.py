"""`make bench-extract`: score crawler.extract and trafilatura on the same real pages.

Corpus: ../shared/corpus/fundus (258 pages with ground truth) and the sample sites' pages.
Prints body precision/recall/F1, title exact-match, date accuracy, empties, errors,
pages per second (extractor call only) for both, and the ratios ours/trafilatura.
`--save-fields FILE` keeps every field newswatch extracted from every page; `--same-fields
FILE` then tells, after a change of the extractor, which pages give other fields (exit 1).
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from crawler.extract import extract
from newswatch.samples import SampleSites
from newswatch.samples.render import SITE_HOST

from .metrics import corpus_f1, page_scores, same_title

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "fundus"


@dataclass
class Page:
    """One benchmark page and its truth."""

    id: str
    url: str
    raw: bytes
    content_type: str | None
    body: str
    title: str
    published: date | None


@dataclass
class Prediction:
    """What an extractor returned for a page."""

    body: str = ""
    title: str | None = None
    published: date | None = None
    error: str | None = None
    seconds: float = 0.0
    fields: dict[str, Any] | None = None  # every field newswatch extracted (Article.to_dict)


@dataclass
class Score:
    """Totals of one extractor on one corpus."""

    precisions: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    titles: int = 0
    dates: int = 0
    dated_pages: int = 0
    empty: int = 0
    errors: int = 0
    seconds: float = 0.0
    pages: int = 0


def fundus_pages(root: Path) -> Iterator[Page]:
    """The Fundus corpus pages with their ground truth."""
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    for key, item in sorted(truth.items()):
        raw = gzip.decompress((root / item["html"]).read_bytes())
        published = date.fromisoformat(item["published"][:10]) if item.get("published") else None
        yield Page(key, item["url"], raw, "text/html", item["articleBody"], item["title"], published)


def sample_pages() -> Iterator[Page]:
    """The sample sites' article pages, with the data they were rendered from as truth."""
    sites = SampleSites()
    for path, article in sorted(sites.articles.items()):
        if article["pending"]:
            continue
        _, headers, body = sites.respond(SITE_HOST[article["site"]], path, {})
        yield Page(
            f"samples{path}",
            "http://127.0.0.1:8000" + path,
            body,
            headers["Content-Type"],
            "\n\n".join(article["paragraphs"]),
            article["title"],
            date.fromisoformat(article["published"]),
        )


def run_ours(page: Page) -> Prediction:
    """crawler.extract on the page bytes."""
    start = time.perf_counter()
    article = extract(page.raw, page.url, page.content_type)
    seconds = time.perf_counter() - start
    return Prediction(article.body, article.title, article.published, seconds=seconds, fields=article.to_dict())


def run_trafilatura(page: Page) -> Prediction:
    """trafilatura.bare_extraction with metadata, on the same bytes."""
    import trafilatura

    start = time.perf_counter()
    doc = trafilatura.bare_extraction(page.raw, url=page.url, with_metadata=True)
    seconds = time.perf_counter() - start
    if doc is None:
        return Prediction(seconds=seconds)
    published = None
    if doc.date:
        try:
            published = date.fromisoformat(doc.date[:10])
        except ValueError:
            published = None
    return Prediction(doc.text or "", doc.title, published, seconds=seconds)


def score_page(score: Score, page: Page, pred: Prediction) -> dict[str, Any]:
    """Add one page to the totals and return its own scores."""
    score.pages += 1
    score.seconds += pred.seconds
    if pred.error:
        score.errors += 1
    if not pred.body.strip():
        score.empty += 1
    precision, recall = page_scores(page.body, pred.body)
    if precision is not None and pred.body.strip():
        score.precisions.append(precision)
    elif pred.body.strip():
        score.precisions.append(0.0)
    if recall is not None:
        score.recalls.append(recall)
    title_ok = same_title(page.title, pred.title)
    score.titles += title_ok
    date_ok = page.published is not None and pred.published == page.published
    if page.published is not None:
        score.dated_pages += 1
        score.dates += date_ok
    return {
        "precision": precision,
        "recall": recall,
        "title_ok": title_ok,
        "date_ok": date_ok,
        "title": pred.title,
        "published": pred.published.isoformat() if pred.published else None,
        "error": pred.error,
        "seconds": round(pred.seconds, 5),
    }


def safely(fn: Callable[[Page], Prediction], page: Page) -> Prediction:
    """Run an extractor; an exception is counted as an error, not a crash of the benchmark."""
    start = time.perf_counter()
    try:
        return fn(page)
    except Exception as exc:  # the benchmark counts any failure as an error
        return Prediction(error=f"{type(exc).__name__}: {exc}", seconds=time.perf_counter() - start)


def summarize(score: Score) -> dict[str, float]:
    """The printed figures of one extractor."""
    p, r, f1 = corpus_f1(score.precisions, score.recalls)
    return {
        "precision": p,
        "recall": r,
        "f1": f1,
        "title": score.titles / score.pages if score.pages else 0.0,
        "date": score.dates / score.dated_pages if score.dated_pages else 0.0,
        "empty": score.empty,
        "errors": score.errors,
        "pages_per_s": score.pages / score.seconds if score.seconds else 0.0,
    }


def print_table(name: str, ours: dict[str, float], ref: dict[str, float], pages: int) -> None:
    """One corpus's figures for both extractors and their ratio."""
    print(f"\n{name} ({pages} pages)")
    print(f"{'':<14}{'newswatch':>12}{'trafilatura':>13}{'ratio':>9}")
    for key, fmt in [
        ("precision", ".4f"),
        ("recall", ".4f"),
        ("f1", ".4f"),
        ("title", ".4f"),
        ("date", ".4f"),
        ("empty", ".0f"),
        ("errors", ".0f"),
        ("pages_per_s", ".1f"),
    ]:
        ratio = ours[key] / ref[key] if ref[key] else float("nan")
        print(f"{key:<14}{ours[key]:>12{fmt}}{ref[key]:>13{fmt}}{ratio:>9.3f}")


def bench(
    name: str, pages: list[Page], per_page: dict[str, Any], reference: bool = True, fields: dict[str, Any] | None = None
) -> dict[str, dict[str, float]]:
    """Score both extractors on pages; alternate them page by page so machine noise hits both."""
    ours, ref = Score(), Score()
    for page in pages:
        prediction = safely(run_ours, page)
        if fields is not None:
            fields[page.id] = prediction.fields or {"error": prediction.error}
        mine = score_page(ours, page, prediction)
        theirs = score_page(ref, page, safely(run_trafilatura, page) if reference else Prediction())
        per_page[page.id] = {"url": page.url, "truth_title": page.title, "newswatch": mine, "trafilatura": theirs}
    result = {"newswatch": summarize(ours), "trafilatura": summarize(ref)}
    print_table(name, result["newswatch"], result["trafilatura"], len(pages))
    return result


def main() -> None:
    """Entry point of `python -m bench.extract`."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the fundus corpus folder")
    parser.add_argument("--per-page", type=Path, help="write each page's scores to this JSON file")
    parser.add_argument("--limit", type=int, help="only the first N corpus pages (quick checks)")
    parser.add_argument("--no-reference", action="store_true", help="skip trafilatura (quick checks; no ratios)")
    parser.add_argument("--save-fields", type=Path, help="write every page's extracted fields to this JSON file")
    parser.add_argument("--same-fields", type=Path, help="compare every page's fields with a --save-fields file")
    args = parser.parse_args()
    if not (args.corpus / "ground-truth.json").exists():
        raise SystemExit(f"Error: no ground-truth.json in {args.corpus}; pass --corpus PATH to the fundus folder")
    import trafilatura

    print(
        f"newswatch extract benchmark — {time.strftime('%Y-%m-%d')} — {platform.machine()}, "
        f"{platform.python_implementation()} {platform.python_version()}, trafilatura {trafilatura.__version__}"
    )
    corpus = list(fundus_pages(args.corpus))[: args.limit]
    samples = list(sample_pages())
    # Warm both up (imports, lazy tables) so the first page does not count their start-up.
    for page in samples[:2]:
        safely(run_ours, page), safely(run_trafilatura, page)
    per_page: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    ref = not args.no_reference
    results = {
        "fundus": bench("fundus corpus", corpus, per_page, ref, fields),
        "samples": bench("sample sites", samples, per_page, ref, fields),
    }
    if args.per_page:
        args.per_page.parent.mkdir(parents=True, exist_ok=True)
        args.per_page.write_text(json.dumps({"summary": results, "pages": per_page}, ensure_ascii=False, indent=1))
        print(f"\nper-page scores written to {args.per_page}")
    if args.save_fields:
        args.save_fields.parent.mkdir(parents=True, exist_ok=True)
        args.save_fields.write_text(json.dumps(fields, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\nfields of {len(fields)} pages written to {args.save_fields}")
    if args.same_fields and not same_fields(fields, json.loads(args.same_fields.read_text(encoding="utf-8"))):
        raise SystemExit(1)


def same_fields(fields: dict[str, Any], saved: dict[str, Any]) -> bool:
    """Print which pages give other fields than the saved ones; True when none does."""
    differ = {
        page: sorted(k for k in {*value, *saved.get(page, {})} if value.get(k) != saved.get(page, {}).get(k))
        for page, value in fields.items()
        if value != saved.get(page)
    }
    print(f"\nfields: {len(fields) - len(differ)} of {len(fields)} pages the same as in the saved file")
    for page, keys in differ.items():
        print(f"  {page}: {', '.join(keys)}")
    return not differ


if __name__ == "__main__":
    main()
