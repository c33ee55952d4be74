"""Which element holds the article: score blocks, sum them per element, take the best and its strong siblings."""

from __future__ import annotations

from collections.abc import Sequence

from .attachments import document_links
from .blocks import Block, text_weight

# A block must say more than this much before it counts for its container.
_BLOCK_COST = 25.0
_PENALTY_CAP = 40.0
# A sibling of the container joins the article when it scores this much, or this share of it.
_SIBLING_FLOOR = 50.0
_SIBLING_SHARE = 0.2


def block_score(block: Block) -> float:
    """How much a block speaks for its container being the article: text for, links against.

    A penalty is capped: a teaser box or job ad embedded in an article must not outweigh
    the paragraphs around it (the block filter removes it afterwards).
    """
    weight = text_weight(block.text)
    if block.chrome:
        return max(-weight, -_PENALTY_CAP)
    # An attachment line ("附件1：<a>….pdf</a>") is all link, and article text all the same.
    link = 0.0 if block.links and document_links(block) else weight * block.link_density
    return max(weight - 3 * link - _BLOCK_COST, -_PENALTY_CAP)


def element_scores(blocks: Sequence[Block]) -> tuple[dict[int, float], dict[int, int]]:
    """Each element's summed block scores, and its depth."""
    scores: dict[int, float] = {}
    depth: dict[int, int] = {}
    for block in blocks:
        weight = block_score(block)
        for level, element_id in enumerate(block.path):
            scores[element_id] = scores.get(element_id, 0.0) + weight
            depth[element_id] = level
    return scores, depth


def best_container(scores: dict[int, float], depth: dict[int, int]) -> int | None:
    """Number of the element whose blocks, taken together, score highest (deepest on a tie)."""
    if not scores:
        return None
    return max(scores, key=lambda k: (scores[k], depth[k]))


def article_members(blocks: Sequence[Block]) -> list[bool]:
    """Which blocks belong to the article: the best container's, and those of strong siblings.

    On flat pages paragraphs are siblings under <body> among menus and boxes; the best
    container is then one paragraph, and its siblings that carry text join it.
    """
    scores, depth = element_scores(blocks)
    container = best_container(scores, depth)
    if container is None:
        return [True] * len(blocks)
    parent = _parent_of(blocks, container)
    if parent is None:
        return [container in b.path for b in blocks]
    floor = max(_SIBLING_FLOOR, _SIBLING_SHARE * scores[container])
    members = []
    for block in blocks:
        if container in block.path:
            members.append(True)
        elif parent in block.path:
            level = block.path.index(parent)
            child = block.path[level + 1] if level + 1 < len(block.path) else None
            score = scores[child] if child is not None else block_score(block)
            members.append(score >= floor)
        else:
            members.append(False)
    return members


def _parent_of(blocks: Sequence[Block], element: int) -> int | None:
    for block in blocks:
        if element in block.path:
            level = block.path.index(element)
            return block.path[level - 1] if level > 0 else None
    return None
