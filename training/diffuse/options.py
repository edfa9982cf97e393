"""One argument convention for every script: `--key=value` flags onto a dataclass of typed options
(nanoGPT/nanochat style, no framework). Each script declares its options as a dataclass whose
defaults document them; a field without a default is required. A field's flag is its name, or
`metadata={"flag": ...}` where the flag reads better than a field name can (`--src`, `--as`).

A value is converted to its field's type (the default's type; bool: 1/true/yes or 0/false/no; a
list field collects every occurrence of its flag). An unknown flag, a bad value or a missing
required option stops the script (SystemExit) with a message that names the script and the flag,
so nothing is silently dropped.
"""
from dataclasses import MISSING, fields

TRUE, FALSE = ("1", "true", "yes"), ("0", "false", "no")


def parse_options(cls, argv, script, positional=()):
    """argv's `--key=value` flags onto a new `cls` (a dataclass type); `positional` names the fields
    that leading plain arguments fill, in order."""
    spec = {f.metadata.get("flag", f.name): f for f in fields(cls)}
    given = {}
    plain = [a for a in argv if not a.startswith("--")]
    if len(plain) > len(positional) or argv[:len(plain)] != plain:
        raise SystemExit(f"{script}: expected {' '.join(p.upper() for p in positional)} then --key=value flags, got {argv!r}")
    given.update(zip(positional, plain))
    for arg in argv[len(plain):]:
        if "=" not in arg:
            raise SystemExit(f"{script}: expected --key=value, got {arg!r}")
        flag, value = arg[2:].split("=", 1)
        if flag not in spec:
            raise SystemExit(f"{script}: unknown option --{flag} (options: {', '.join('--' + k for k in spec)})")
        f = spec[flag]
        kind = _kind(f)
        if kind is list:
            given.setdefault(f.name, []).append(value)
        else:
            given[f.name] = _convert(script, flag, value, kind)
    missing = [flag for flag, f in spec.items()
               if f.name not in given and f.default is MISSING and f.default_factory is MISSING]
    if missing:
        raise SystemExit(f"{script}: missing required {', '.join(m if m in positional else '--' + m for m in missing)}")
    return cls(**given)


def _kind(f):
    """The type a field's values take: its default's (None and required fields: the annotation)."""
    if f.default is not MISSING and f.default is not None:
        return type(f.default)
    if f.default_factory is not MISSING:
        return type(f.default_factory())
    return f.type if isinstance(f.type, type) else {"str": str, "int": int, "float": float, "bool": bool}[str(f.type)]


def _convert(script, key, value, kind):
    if kind is bool:
        if value.lower() not in TRUE + FALSE:
            raise SystemExit(f"{script}: --{key} takes 1/true/yes or 0/false/no, got {value!r}")
        return value.lower() in TRUE
    try:
        return kind(value)
    except ValueError:
        raise SystemExit(f"{script}: --{key} must be a {kind.__name__}, got {value!r}") from None
