# The learner worker's main loop. Not imported by the grader: its text, after protocol.py's,
# is run with `python -I -c` inside the worker, so the grader package is never importable
# there. It reads requests on one pipe and answers on another; stdout and stderr belong to
# the learner's code.
import importlib
import sys
import time
import traceback
import warnings


def _short_traceback(error):
    frames = [
        frame for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename.startswith(_ROOT)
    ]
    lines = [
        f'  File "{frame.filename[len(_ROOT):].lstrip("/")}", line {frame.lineno}, in {frame.name}'
        for frame in frames[-6:]
    ]
    return "\n".join(lines)


def _failure(kind, message, error=None):
    reply = {"ok": False, "kind": kind, "message": message}
    if error is not None:
        reply["exception_type"] = type(error).__name__
        reply["traceback"] = _short_traceback(error)
    return reply


def _describe(error):
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _import(name):
    if name in sys.modules and name in _LOADED:
        return None
    try:
        importlib.import_module(name)
    except SyntaxError as error:
        where = f" on line {error.lineno}" if error.lineno else ""
        return _failure("syntax_error", f"{name}.py has a syntax error{where}: {error.msg}")
    except ModuleNotFoundError as error:
        if error.name == name:
            return _failure("missing_module", f"{name}.py is missing from the submission")
        return _failure("import_error", f"importing {name}.py failed: {_describe(error)}", error)
    except SystemExit as error:
        return _failure("exited", f"{name}.py called sys.exit({error.code!r}) while being imported")
    except MemoryError as error:
        return _failure("memory", f"importing {name}.py ran out of memory", error)
    except BaseException as error:  # noqa: BLE001 - anything the learner's code raises
        return _failure("import_error", f"importing {name}.py failed: {_describe(error)}", error)
    _LOADED.add(name)
    return None


def _call(request):
    module = sys.modules[request["module"]]
    name = request["name"]
    if not hasattr(module, name):
        return _failure("missing_name", f"{request['module']}.py has no {name}")
    target = getattr(module, name)
    if request["op"] == "get":
        value = target
        caught, args, kwargs, elapsed = [], [], {}, 0.0
    else:
        args = decode_value(request["args"])
        kwargs = decode_value(request["kwargs"])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            started = time.perf_counter()
            try:
                value = target(*args, **kwargs)
            except SystemExit as error:
                return _failure("exited", f"{name}() called sys.exit({error.code!r})")
            except MemoryError as error:
                return _failure("memory", f"{name}() ran out of memory", error)
            except RecursionError as error:
                return _failure("exception", f"{name}() recursed too deeply", error)
            except BaseException as error:  # noqa: BLE001 - anything the learner's code raises
                return _failure("exception", f"{name}() raised {_describe(error)}", error)
            elapsed = time.perf_counter() - started
    try:
        encoded = encode_value(value, coerce=True)
        after = encode_value(list(args), coerce=True), encode_value(kwargs, coerce=True)
    except UnencodableValue as error:
        return _failure(
            "bad_return",
            f"{name} {'is' if request['op'] == 'get' else 'returned'} {error}, which is not a "
            "number, a string, a list or an array",
        )
    except Exception as error:  # noqa: BLE001 - a value whose conversion itself fails
        return _failure("bad_return", f"{name} gave a value that cannot be read: {_describe(error)}")
    return {
        "ok": True,
        "value": encoded,
        "args_after": after[0],
        "kwargs_after": after[1],
        "warnings": [f"{w.category.__name__}: {w.message}" for w in caught][:20],
        "duration": elapsed,
    }


def _serve(request_fd, reply_fd):
    while True:
        request = read_message(request_fd)
        if request is None:
            return
        reply = _import(request["module"])
        if reply is None and request["op"] != "import":
            reply = _call(request)
        write_message(reply_fd, reply or {"ok": True})


_ROOT = __import__("os").getcwd()
_LOADED = set()
sys.path.insert(0, _ROOT)
sys.stdin = open(__import__("os").devnull)  # noqa: SIM115 - stdin is /dev/null anyway
_serve(int(sys.argv[1]), int(sys.argv[2]))
