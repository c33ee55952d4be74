"""Seeded filler text for generated sites: English and Chinese news prose, titles, datelines."""

from __future__ import annotations

import random

# Blocks of words read better than lists of 200 strings.
_EN_TEXT = """
the of and to in a for on with by as that is was are from at this which be has have will
its their an it were been not also more new other all after about into than over under
between during through against within without across among including while where when
certification quality standard standards product products enterprise enterprises industry
market supervision administration national international technical technology service
services management system systems testing inspection laboratory conformity assessment
energy efficiency carbon emission green low-carbon environmental safety health consumer
consumers manufacturer manufacturers export import trade cooperation agreement mutual
recognition committee meeting conference forum delegation experts organization centre
China Chinese Beijing Shanghai Guangdong province city provincial government department
ministry regulation regulations requirement requirements rules procedure procedures
application applications certificate certificates issued granted completed launched held
signed promoted improved strengthened developed established implemented announced released
first second third annual year years month months percent million billion number total
high higher quality-oriented sustainable digital intelligent modern advanced innovation
research development training project projects pilot programme program capacity ability
batteries photovoltaic modules vehicles electric appliances household components materials
equipment machinery medical devices food agricultural textile building construction
customers partners stakeholders companies firms group groups team teams staff members
support supporting promote promoting ensure ensuring provide providing improve improving
further better effective efficient reliable responsible important significant key main
"""
_EN_WORDS = _EN_TEXT.split()

_EN_CONNECT = ["In addition,", "Meanwhile,", "According to the plan,", "At the meeting,", "In recent years,"]

_ZH_TEXT = """
认证 质量 标准 企业 检测 产品 发展 国家 市场监管总局 中心 工作 服务 推动 开展 绿色 低碳
技术 管理 体系 行业 国际 合作 创新 能力 建设 提升 加强 推进 促进 实施 组织 召开 会议
专家 领导 单位 部门 要求 规定 评价 合格 评定 实验室 能源 效率 节能 环保 安全 健康 消费者
制造 出口 贸易 互认 协议 签署 发布 颁发 证书 首批 光伏 组件 电池 新能源 汽车 家用 电器
数字化 智能 服务业 高质量 可持续 重要 关键 进一步 全面 深入 有效 积极 持续 不断 显著
培训 项目 试点 示范 研究 成果 年度 同比 增长 万家 亿元 省市 地区 全国 社会 公众 信息
"""
_ZH_WORDS = _ZH_TEXT.split()

_ZH_PUNCT = ["，", "，", "，", "、", "；"]


def english_sentence(rng: random.Random) -> str:
    """One sentence of 12 to 28 words, sometimes with a figure or a standard number."""
    words = [rng.choice(_EN_WORDS) for _ in range(rng.randint(12, 28))]
    if rng.random() < 0.25:
        words.insert(rng.randrange(len(words)), f"GB/T {rng.randint(1000, 39999)}-{rng.randint(2008, 2025)}")
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), f"{rng.randint(2, 980)}")
    sentence = " ".join(words)
    if rng.random() < 0.15:
        sentence = f"{rng.choice(_EN_CONNECT)} {sentence}"
    return sentence[0].upper() + sentence[1:] + "."


def chinese_sentence(rng: random.Random) -> str:
    """One sentence of 10 to 25 words joined the Chinese way, with commas and a full stop."""
    parts = []
    for _ in range(rng.randint(10, 25)):
        parts.append(rng.choice(_ZH_WORDS))
        if rng.random() < 0.12:
            parts.append(rng.choice(_ZH_PUNCT))
    if rng.random() < 0.2:
        parts.insert(rng.randrange(len(parts)), f"{rng.randint(2, 980)}")
    return "".join(parts).strip("，、；") + "。"


def paragraph(rng: random.Random, chinese: bool) -> str:
    """A paragraph of 3 to 7 sentences."""
    sentence = chinese_sentence if chinese else english_sentence
    joiner = "" if chinese else " "
    return joiner.join(sentence(rng) for _ in range(rng.randint(3, 7)))


def title(rng: random.Random, chinese: bool) -> str:
    """A headline: 6 to 12 title-cased English words, or 5 to 9 Chinese words."""
    if chinese:
        return "".join(rng.choice(_ZH_WORDS) for _ in range(rng.randint(5, 9)))
    words = [rng.choice(_EN_WORDS) for _ in range(rng.randint(6, 12))]
    return " ".join(w if w[0].isupper() else w.capitalize() for w in words)
