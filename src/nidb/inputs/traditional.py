"""Traditional → simplified forms of the characters used in the contract's vocabularies.

Used only for suggestions: a cell with 東部 is refused with 「是否应为「东部」？」 rather than
the closest-looking choice. Characters not listed are kept as they are.
"""

from __future__ import annotations

_PAIRS = (
    "東东內内遼辽寧宁龍龙蘇苏廣广壯壮區区慶庆貴贵雲云陝陕肅肃維维爾尔連连島岛廈厦門门團团產产業业"
    "裝装備备費费術术轉转應应態态製制車车鋼钢鐵铁屬属輕轻紡纺織织醫医藥药電电軟软體体務务數数據据"
    "計计聯联網网節节環环邊边範范綠绿園园規规級级較较別别無无設设發发與与為为資资標标準准實实際际"
    "總总銷销額额黃黄漢汉開开關关來来長长興兴價价億亿萬万創创號号圖图書书學学會会議议"
    "質质糧粮紗纱絲丝礦矿煉炼熱热氣气廠厂點点處处歲岁權权殘残滿满濱滨灣湾臺台"
)
SIMPLIFIED = {_PAIRS[i]: _PAIRS[i + 1] for i in range(0, len(_PAIRS), 2)}


def to_simplified(text: str) -> str:
    """`text` with the listed traditional characters replaced by their simplified forms."""
    return text.translate(str.maketrans(SIMPLIFIED))
