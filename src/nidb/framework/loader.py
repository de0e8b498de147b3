"""Read and validate an indicator-framework YAML file (format: docs/framework.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from nidb.errors import ConfigError
from nidb.framework.model import (
    OPS,
    AllOf,
    AnyOf,
    ByClass,
    Choose,
    Condition,
    Dimension,
    EachOfLastYears,
    Expert,
    Feature,
    FeatureArea,
    Field,
    Framework,
    Indicator,
    InSet,
    IsTrue,
    Measure,
    Parameter,
    ParamRef,
    PeerRelative,
    Ratio,
    SpecialAreaThreshold,
    Sum,
    Threshold,
    walk,
)
from nidb.inputs.contract import load_contract
from nidb.keypath import KeyPathReader
from nidb.yamlfile import parse_yaml, read_yaml

DEFAULT_PATH = Path(__file__).with_name("indicators-2023.yaml")

REFERENCES = ("gdp_growth",)
PEER_GROUPINGS = ("domain", "industry", "none")
PEER_POPULATIONS = ("all", "bases", "applicants")

_TOP = {"version", "source", "parameters", "dimensions", "indicators", "feature_areas", "features"}
_PARAM = {"default", "doc", "choices", "range"}
_DIM = {"id", "zh", "en"}
_IND = {"id", "number", "dimension", "zh", "en", "short", "type", "unit", "direction", "formula", "condition"}
_FEAT = {"id", "number", "area", "zh", "en", "type", "condition"}
_COMMON = {"kind", "id", "text"}
_KIND_KEYS = {
    "threshold": {"op", "value", "measure", "label", "unit"},
    "special_area_threshold": {"op", "value", "special_area_value", "measure", "label", "unit"},
    "each_of_last_years": {"years", "op", "value", "reference", "measure", "label", "unit"},
    "peer_relative": {"group_by", "top_share", "min_group_size", "population"},
    "expert": set(),
    "in_set": {"field", "values", "label"},
    "is_true": {"field", "label"},
    "any_of": {"conditions"},
    "all_of": {"conditions"},
    "by_class": {"class_field", "cases"},
}


class _Reader(KeyPathReader):
    """Typed access to the raw YAML that raises ConfigError naming the file and key path."""

    def __init__(self, source: str):
        super().__init__(source)
        contract = load_contract()
        annual = contract.table("annual")
        self.annual = {c.name: c for c in annual.columns}
        self.registry = {c.name: c for c in contract.table("applicants").columns}
        self.params: dict[str, Parameter] = {}

    def seq(self, value: Any, path: str) -> list:
        if not isinstance(value, list) or not value:
            raise self.fail(path, "应为非空列表")
        return value

    def annual_field(self, value: Any, path: str, dtypes: tuple[str, ...] = ("number",)) -> str:
        name = self.text(value, path)
        col = self.annual.get(name)
        if col is None:
            raise self.fail(path, f"数据契约年度报表（annual）中没有列 {name!r}")
        if col.dtype not in dtypes:
            raise self.fail(path, f"列 {name!r} 的类型为 {col.dtype}，此处需要 {'/'.join(dtypes)}")
        return name

    def param_or(self, value: Any, path: str, check) -> Any:
        """A literal checked by `check`, or {param: name} whose default passes `check`."""
        if isinstance(value, dict):
            raw = self.mapping(value, path, {"param"}, {"param"})
            name = self.text(raw["param"], f"{path}.param")
            if name not in self.params:
                raise self.fail(f"{path}.param", f"未定义的参数 {name!r}（见 parameters）")
            param = self.params[name]
            for i, option in enumerate(param.choices or (param.default,)):
                check(option, f"parameters.{name}.{'choices[%d]' % i if param.choices else 'default'}")
            return ParamRef(name)
        return check(value, path)


def _parameters(r: _Reader, raw: Any) -> tuple[Parameter, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise r.fail("parameters", "应为键值映射")
    out = []
    for name, spec in raw.items():
        path = f"parameters.{name}"
        spec = r.mapping(spec, path, _PARAM, {"default", "doc"})
        choices = None
        if "choices" in spec:
            choices = tuple(r.seq(spec["choices"], f"{path}.choices"))
            if spec["default"] not in choices:
                raise r.fail(f"{path}.default", f"默认值 {spec['default']!r} 不在 choices 中")
        bounds = None
        if "range" in spec:
            raw_range = spec["range"]
            if not isinstance(raw_range, list) or len(raw_range) != 2:
                raise r.fail(f"{path}.range", "应为 [下限, 上限]")
            bounds = (r.number(raw_range[0], f"{path}.range[0]"), r.number(raw_range[1], f"{path}.range[1]"))
            value = r.number(spec["default"], f"{path}.default")
            if not bounds[0] <= value <= bounds[1]:
                raise r.fail(f"{path}.default", f"默认值 {value:g} 不在 range {list(bounds)} 内")
        out.append(Parameter(str(name), spec["default"], r.text(spec["doc"], f"{path}.doc").strip(), choices, bounds))
    r.params = {p.name: p for p in out}
    return tuple(out)


def _flag(r: _Reader):
    """A check that a value is true or false."""

    def check(value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise r.fail(path, f"应为 true 或 false，实为 {value!r}")
        return value

    return check


def _measure(r: _Reader, raw: Any, path: str) -> Measure:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise r.fail(path, "公式应为只含一个键的映射：field、ratio、sum 或 choose")
    (kind, body), = raw.items()
    if kind == "field":
        return Field(r.annual_field(body, f"{path}.field"))
    if kind == "ratio":
        p = f"{path}.ratio"
        body = r.mapping(body, p, {"numerator", "denominator", "scale", "fallback"}, {"numerator", "denominator", "scale"})
        denominator = r.param_or(body["denominator"], f"{p}.denominator", r.annual_field)
        fallback, enabled = None, True
        if "fallback" in body:
            fb = r.mapping(body["fallback"], f"{p}.fallback", {"numerator", "enabled"}, {"numerator"})
            fallback = r.annual_field(fb["numerator"], f"{p}.fallback.numerator")
            enabled = r.param_or(fb.get("enabled", True), f"{p}.fallback.enabled", _flag(r))
        return Ratio(r.annual_field(body["numerator"], f"{p}.numerator"), denominator,
                     r.number(body["scale"], f"{p}.scale"), fallback, enabled)
    if kind == "sum":
        terms = r.seq(body, f"{path}.sum")
        return Sum(tuple(r.annual_field(t, f"{path}.sum[{i}]") for i, t in enumerate(terms)))
    if kind == "choose":
        p = f"{path}.choose"
        body = r.mapping(body, p, {"flag", "if_true", "if_false"}, {"flag", "if_true", "if_false"})
        return Choose(
            r.annual_field(body["flag"], f"{p}.flag", ("boolean",)),
            r.annual_field(body["if_true"], f"{p}.if_true"),
            r.annual_field(body["if_false"], f"{p}.if_false"),
        )
    raise r.fail(f"{path}.{kind}", "未知公式类型，可选：field、ratio、sum、choose")


def _condition(r: _Reader, raw: Any, path: str, quantitative: bool) -> Condition:
    if not isinstance(raw, dict) or "kind" not in raw:
        raise r.fail(path, "条件应为含 kind 的映射")
    kind = raw["kind"]
    if kind not in _KIND_KEYS:
        raise r.fail(f"{path}.kind", f"未知条件类型 {kind!r}，可选：{', '.join(_KIND_KEYS)}")
    raw = r.mapping(raw, path, _COMMON | _KIND_KEYS[kind], {"text"})
    cid = r.text(raw["id"], f"{path}.id") if "id" in raw else None
    text = r.text(raw["text"], f"{path}.text")
    get = raw.get

    def op() -> str:
        return r.choice(get("op"), f"{path}.op", OPS)

    def measure() -> Measure | None:
        if "measure" in raw:
            return _measure(r, raw["measure"], f"{path}.measure")
        if not quantitative:
            raise r.fail(f"{path}.measure", "子条件须给出 measure（所在指标无公式）")
        return None

    def label() -> str | None:
        return r.text(raw["label"], f"{path}.label") if "label" in raw else None

    def unit() -> str | None:
        return r.text(raw["unit"], f"{path}.unit") if "unit" in raw else None

    if kind == "threshold":
        return Threshold(cid, text, op(), r.number(get("value"), f"{path}.value"), measure(), label(), unit())
    if kind == "special_area_threshold":
        return SpecialAreaThreshold(
            cid, text, op(), r.number(get("value"), f"{path}.value"),
            r.number(get("special_area_value"), f"{path}.special_area_value"), measure(), label(), unit(),
        )
    if kind == "each_of_last_years":
        if ("value" in raw) == ("reference" in raw):
            raise r.fail(path, "each_of_last_years 须且只须给出 value 或 reference 之一")
        value = r.number(raw["value"], f"{path}.value") if "value" in raw else None
        reference = r.choice(raw["reference"], f"{path}.reference", REFERENCES) if "reference" in raw else None
        return EachOfLastYears(
            cid, text, r.integer(get("years"), f"{path}.years"), op(), value, reference, measure(), label(), unit()
        )
    if kind == "peer_relative":
        if not quantitative:
            raise r.fail(path, "peer_relative 只能用于定量指标")

        def share(v: Any, p: str) -> float:
            x = r.number(v, p)
            if not 0 < x <= 100:
                raise r.fail(p, f"位次百分比应在 (0, 100] 内，实为 {v!r}")
            return x

        return PeerRelative(
            cid, text,
            r.param_or(get("group_by"), f"{path}.group_by", lambda v, p: r.choice(v, p, PEER_GROUPINGS)),
            r.param_or(get("top_share"), f"{path}.top_share", share),
            r.param_or(get("min_group_size"), f"{path}.min_group_size", r.integer),
            r.param_or(get("population"), f"{path}.population", lambda v, p: r.choice(v, p, PEER_POPULATIONS)),
        )
    if kind == "expert":
        return Expert(cid, text)
    if kind in ("in_set", "is_true"):
        dtypes = ("category",) if kind == "in_set" else ("boolean",)
        field = r.annual_field(get("field"), f"{path}.field", dtypes)
        if kind == "is_true":
            return IsTrue(cid, text, field, label())
        allowed = r.annual[field].values or ()
        values = tuple(r.seq(get("values"), f"{path}.values"))
        for i, v in enumerate(values):
            r.choice(v, f"{path}.values[{i}]", allowed)
        return InSet(cid, text, field, values, label())
    if kind in ("any_of", "all_of"):
        subs = r.seq(get("conditions"), f"{path}.conditions")
        nodes = tuple(_condition(r, s, f"{path}.conditions[{i}]", False) for i, s in enumerate(subs))
        return (AnyOf if kind == "any_of" else AllOf)(cid, text, nodes)
    # by_class
    field = r.text(get("class_field"), f"{path}.class_field")
    col = r.registry.get(field)
    if col is None or col.dtype != "category":
        raise r.fail(f"{path}.class_field", f"申报对象名单（applicants）中没有分类列 {field!r}")
    cases_raw = get("cases")
    if not isinstance(cases_raw, dict) or not cases_raw:
        raise r.fail(f"{path}.cases", "应为非空映射：类别 → 条件")
    cases = []
    for key, sub in cases_raw.items():
        r.choice(key, f"{path}.cases.{key}", col.values or ())
        cases.append((key, _condition(r, sub, f"{path}.cases.{key}", False)))
    return ByClass(cid, text, field, tuple(cases))


def _indicator(r: _Reader, raw: Any, path: str, dimension_ids: set[str]) -> Indicator:
    raw = r.mapping(raw, path, _IND, {"id", "number", "dimension", "zh", "en", "type", "direction", "condition"})
    iid = r.text(raw["id"], f"{path}.id")
    dim = r.text(raw["dimension"], f"{path}.dimension")
    if dim not in dimension_ids:
        raise r.fail(f"{path}.dimension", f"所属一级指标 {dim!r} 未定义（见 dimensions）")
    itype = r.choice(raw["type"], f"{path}.type", ("quantitative", "qualitative"))
    quantitative = itype == "quantitative"
    if quantitative and ("formula" not in raw or "unit" not in raw):
        raise r.fail(f"{path}.{'formula' if 'formula' not in raw else 'unit'}", "定量指标须给出 formula 和 unit")
    if not quantitative and "formula" in raw:
        raise r.fail(f"{path}.formula", "定性指标不应有公式")
    formula = _measure(r, raw["formula"], f"{path}.formula") if quantitative else None
    condition = _condition(r, raw["condition"], f"{path}.condition", quantitative)
    if not quantitative and not isinstance(condition, Expert):
        raise r.fail(f"{path}.condition.kind", "定性指标的条件应为 expert")
    if quantitative and isinstance(condition, Expert):
        raise r.fail(f"{path}.condition.kind", "定量指标的条件不能是 expert")
    return Indicator(
        id=iid,
        number=r.integer(raw["number"], f"{path}.number"),
        dimension=dim,
        zh=r.text(raw["zh"], f"{path}.zh"),
        en=r.text(raw["en"], f"{path}.en"),
        type=itype,
        direction=r.choice(raw["direction"], f"{path}.direction", ("higher", "lower")),
        condition=condition,
        unit=r.text(raw["unit"], f"{path}.unit") if "unit" in raw else None,
        formula=formula,
        short=r.text(raw["short"], f"{path}.short") if "short" in raw else None,
    )


def _feature(r: _Reader, raw: Any, path: str, area_ids: set[str]) -> Feature:
    raw = r.mapping(raw, path, _FEAT, _FEAT)
    area = r.text(raw["area"], f"{path}.area")
    if area not in area_ids:
        raise r.fail(f"{path}.area", f"所属特色指标领域 {area!r} 未定义（见 feature_areas）")
    ftype = r.choice(raw["type"], f"{path}.type", ("quantitative", "qualitative"))
    condition = _condition(r, raw["condition"], f"{path}.condition", False)
    if ftype == "qualitative" and not isinstance(condition, Expert):
        raise r.fail(f"{path}.condition.kind", "定性特色指标的条件应为 expert")
    return Feature(
        id=r.text(raw["id"], f"{path}.id"),
        number=r.integer(raw["number"], f"{path}.number"),
        area=area,
        zh=r.text(raw["zh"], f"{path}.zh"),
        en=r.text(raw["en"], f"{path}.en"),
        type=ftype,
        condition=condition,
    )


def _named(r: _Reader, raw: Any, path: str, cls):
    items = r.seq(raw, path)
    return tuple(
        cls(**{k: r.text(r.mapping(x, f"{path}[{i}]", _DIM, _DIM)[k], f"{path}[{i}].{k}") for k in _DIM})
        for i, x in enumerate(items)
    )


def _feature_areas(r: _Reader, raw: Any) -> tuple[FeatureArea, ...]:
    """The feature areas, each with the domains / industries (contract vocabularies) that fall in it."""
    vocab = load_contract()
    out = []
    for i, x in enumerate(r.seq(raw, "feature_areas")):
        path = f"feature_areas[{i}]"
        m = r.mapping(x, path, _DIM | {"domains", "industries"}, _DIM)
        lists = {}
        for key, vocabulary in (("domains", "domains"), ("industries", "industries")):
            values = r.seq(m[key], f"{path}.{key}") if key in m else []
            allowed = vocab.vocabulary(vocabulary)
            for j, v in enumerate(values):
                if v not in allowed:
                    raise r.fail(f"{path}.{key}[{j}]", f"「{v}」不在数据契约的词表 {vocabulary} 中")
            lists[key] = tuple(values)
        out.append(FeatureArea(**{k: r.text(m[k], f"{path}.{k}") for k in _DIM}, **lists))
    return tuple(out)


def _check_unique(r: _Reader, fw: Framework) -> None:
    seen: dict[str, str] = {}

    def claim(ident: str | None, path: str) -> None:
        if ident is None:
            return
        if ident in seen:
            raise r.fail(path, f"编号 {ident!r} 重复（首次出现于 {seen[ident]}）")
        seen[ident] = path

    for i, d in enumerate(fw.dimensions):
        claim(d.id, f"dimensions[{i}].id")
    for i, a in enumerate(fw.feature_areas):
        claim(a.id, f"feature_areas[{i}].id")
    for group, items in (("indicators", fw.indicators), ("features", fw.features)):
        numbers: dict[int, int] = {}
        for i, item in enumerate(items):
            claim(item.id, f"{group}[{i}].id")
            if item.number in numbers:
                raise r.fail(f"{group}[{i}].number", f"序号 {item.number} 重复（同 {group}[{numbers[item.number]}]）")
            numbers[item.number] = i
            for node in list(walk(item.condition))[1:]:
                claim(node.id, f"{group}[{i}].condition（子条件 {node.id}）")


def parse_framework(raw: Any, source: str = "indicators.yaml") -> Framework:
    """Validate a parsed framework document and build the Framework."""
    r = _Reader(source)
    raw = r.mapping(raw, "（顶层）", _TOP, _TOP - {"parameters"})
    version = raw["version"]
    if not isinstance(version, (str, int)) or isinstance(version, bool):
        raise r.fail("version", f"应为版本号文本，实为 {version!r}")
    source_map = r.mapping(raw["source"], "source", {"title", "issuer", "year", "file", "url"}, {"title"})
    parameters = _parameters(r, raw.get("parameters"))
    dimensions = _named(r, raw["dimensions"], "dimensions", Dimension)
    areas = _feature_areas(r, raw["feature_areas"])
    dim_ids = {d.id for d in dimensions}
    area_ids = {a.id for a in areas}
    indicators = tuple(
        _indicator(r, x, f"indicators[{i}]", dim_ids) for i, x in enumerate(r.seq(raw["indicators"], "indicators"))
    )
    features = tuple(
        _feature(r, x, f"features[{i}]", area_ids) for i, x in enumerate(r.seq(raw["features"], "features"))
    )
    fw = Framework(
        version=str(version),
        source=tuple(source_map.items()),
        parameters=parameters,
        dimensions=dimensions,
        indicators=indicators,
        feature_areas=areas,
        features=features,
        path=source,
    )
    _check_unique(r, fw)
    return fw


def check_parameters(fw: Framework, overrides: dict[str, Any], source: str, path: str = "parameters") -> dict[str, Any]:
    """Validate parameter overrides (e.g. from a method file) against the framework's parameters."""
    known = {p.name: p for p in fw.parameters}
    for name, value in overrides.items():
        if name not in known:
            raise ConfigError(f"{source}：{path}.{name}：未知参数，可用的参数：{', '.join(known)}")
        param = known[name]
        if param.choices is not None and value not in param.choices:
            raise ConfigError(
                f"{source}：{path}.{name}：取值 {value!r} 无效，可选：{', '.join(map(str, param.choices))}"
            )
        if param.choices is None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
            raise ConfigError(f"{source}：{path}.{name}：应为正数，实为 {value!r}")
        if param.range is not None and not param.range[0] <= value <= param.range[1]:
            raise ConfigError(f"{source}：{path}.{name}：取值 {value!r} 超出范围 [{param.range[0]:g}, {param.range[1]:g}]")
        if isinstance(param.default, int) and param.choices is None and value != int(value):
            raise ConfigError(f"{source}：{path}.{name}：应为整数，实为 {value!r}")
    return dict(overrides)


def load_framework(path: str | Path | None = None) -> Framework:
    """Load and validate a framework file; the packaged 2023 system by default."""
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return parse_framework(read_yaml(path), source=str(path))  # read_yaml names the problem
    return _parsed_framework(str(path), text)


@lru_cache(maxsize=4)
def _parsed_framework(source: str, text: str) -> Framework:
    """The framework written in ``text`` (read from ``source``), parsed once per content: a
    changed file is other text and is parsed again. Frameworks are immutable, so callers share it."""
    return parse_framework(parse_yaml(text, source), source=source)
