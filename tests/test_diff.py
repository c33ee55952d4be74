"""Diffs: one Chinese character marked by itself, whole sentences as context, words and codes never cut."""

from __future__ import annotations

import re

from common.diff import ADDED, EQUAL, REMOVED, Hunk, hunks, token_ops, tokens

ZH_OLD = "根据有关规定。为进一步提高有效性，我中心将于2024年3月至6月开展抽查工作。现将有关事项通知如下："
ZH_NEW = ZH_OLD.replace("至6月", "至8月")


def test_one_chinese_character_is_the_change_and_the_sentence_is_the_context() -> None:
    (hunk,) = hunks(ZH_OLD, ZH_NEW)
    assert [s for s in hunk.segments if s[0] != EQUAL] == [(REMOVED, "6"), (ADDED, "8")]
    assert hunk.old == "为进一步提高有效性，我中心将于2024年3月至6月开展抽查工作。"  # from the sentence's start
    assert hunk.new == hunk.old.replace("6月", "8月") and not hunk.cut_before and not hunk.cut_after


def test_standard_numbers_change_as_whole_codes() -> None:
    (hunk,) = hunks("依据GB/T 19001-2016实施。", "依据GB/T 19001-2020实施。")
    assert (hunk.removed, hunk.added) == ("19001-2016", "19001-2020")
    assert tokens("CNCA-C01-01:2024和ISO/TC 292") == ["CNCA-C01-01:2024", "和", "ISO/TC", " ", "292"]


def test_neighbouring_word_changes_read_as_one() -> None:
    (hunk,) = hunks("The old words stay here.", "The new terms stay here.")
    assert (hunk.removed, hunk.added) == ("old words", "new terms")


def test_long_sentences_are_cut_between_words_only() -> None:
    words = [f"word{i}" for i in range(120)]
    old = " ".join(words) + " and the end."
    new = " ".join(words[:60]) + " CHANGED " + " ".join(words[61:]) + " and the end."
    (hunk,) = hunks(old, new)
    assert hunk.cut_before and hunk.cut_after and (hunk.removed, hunk.added) == ("word60", "CHANGED")
    context = hunk.old.replace("word60", " ")
    assert all(re.fullmatch(r"word\d+", w) for w in context.split()), context  # no word cut in two


def test_long_chinese_sentences_are_cut_at_punctuation() -> None:
    clause = "认证机构应当按照认证规则实施认证活动"
    old = "，".join([clause] * 12) + "，至6月，" + "，".join([clause] * 12) + "。"
    (hunk,) = hunks(old, old.replace("至6月", "至8月"))
    assert hunk.cut_before and hunk.cut_after
    before = hunk.old.split("6")[0]
    after = hunk.old.split("6", 1)[1]
    assert before.lstrip("，").startswith(clause) and after.rstrip("，").endswith(clause)  # whole clauses


def test_several_sentences_make_several_hunks_and_paragraphs_stay_apart() -> None:
    old = "First sentence says 1. Second says 2.\n\nThird says 3."
    new = "First sentence says one. Second says 2.\n\nThird says three."
    found = hunks(old, new)
    assert [h.old for h in found] == ["First sentence says 1.", "Third says 3."]
    assert hunks(old, old) == []


def test_token_ops_rebuild_both_texts_and_hunks_round_trip_as_json() -> None:
    old, new = ZH_OLD + "\n\nEnglish text here.", ZH_NEW + "\n\nEnglish words here, more."
    ops = token_ops(old, new)
    assert "".join(t for op, t in ops if op != ADDED) == old
    assert "".join(t for op, t in ops if op != REMOVED) == new
    for hunk in hunks(old, new):
        assert Hunk.from_dict(hunk.to_dict()) == hunk


def test_a_long_article_with_scattered_edits() -> None:
    paragraphs = [f"第{i}段：本中心依据GB/T 27065-2015开展第{i}项产品认证工作，共{i * 3}家企业。" for i in range(3000)]
    old = "\n\n".join(paragraphs)
    new = old.replace("第1500项", "第1501项").replace("共2997家", "共2998家")
    found = hunks(old, new)
    assert [(h.removed, h.added) for h in found] == [("2997", "2998"), ("1500", "1501")]  # paragraphs 999, 1500
