"""FML302 swallowed-cancellation."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from fastmcp_lint.api import FileContext, Fix, Invalid, Rule, Valid

#: What `except X:` may name to catch task cancellation (resolved through imports).
_CANCELLATION = frozenset({
    "builtins.BaseException", "asyncio.CancelledError", "asyncio.exceptions.CancelledError",
})

_Handler = cst.ExceptHandler | cst.ExceptStarHandler


class _Text(cst.SimpleWhitespace):
    """Text rendered as given, to insert a word where a whitespace node stands.

    The fix API replaces nodes by nodes; a bare `except:` has no type node to replace, and
    replacing the whole handler would re-render its body at the wrong indentation. The
    (empty) whitespace after `except` is where `Exception` goes.
    """

    def _validate(self) -> None:
        return None


@dataclass
class _Open:
    """A handler whose body the walk is in."""

    handler: _Handler
    owner: cst.CSTNode | None
    name: str | None
    catches: str | None
    reraised: bool = False


def _owner(context: FileContext) -> cst.CSTNode | None:
    """The function, lambda or class body a node is in (None: the module)."""
    frames = context.where.frames
    return frames[-1].node if frames else None


class SwallowedCancellation(Rule):
    """An `except` in an async function that catches task cancellation and does not re-raise."""

    code = "FML302"
    name = "swallowed-cancellation"
    severity = "warning"
    checklist = "graceful shutdown handling"
    summary = "`except` in an async function swallows task cancellation"
    what = (
        "Finds, in the body of an `async def` (not in a nested `def`, `lambda` or `class`), "
        "an `except:`, `except BaseException:` or `except asyncio.CancelledError:` handler "
        "(also when the type is one element of a tuple, and through any import form: "
        "`from asyncio import CancelledError as C`, `asyncio.exceptions.CancelledError`) "
        "whose body does not re-raise: it has no bare `raise` and no `raise e` of the "
        "name bound by `as e`. A re-raise anywhere in the handler body counts, even "
        "conditional; a re-raise inside a nested `def`/`lambda`/`class` does not, nor does "
        "a bare `raise` inside a nested `except` handler (it re-raises that handler's "
        "exception). Raising a different exception (`raise ToolError(...) from e`) is "
        "reported: the task then ends as failed, not as cancelled. `except Exception:` is "
        "not reported (CancelledError is not an Exception since Python 3.8). Note that the "
        "idiom `task.cancel(); try: await task except CancelledError: pass` is reported "
        "too: it also swallows a cancellation of the awaiting task itself."
    )
    why = (
        "On shutdown (Ctrl-C, SIGTERM from the orchestrator, a client disconnect, a timeout) "
        "asyncio cancels the running tasks by raising `CancelledError` inside them. A handler "
        "that catches it and carries on keeps the task alive: the server never finishes "
        "shutting down, `asyncio.timeout()`/`TaskGroup` stop working, and the process is "
        "killed hard after the grace period, dropping in-flight requests."
    )
    instead = (
        "Catch `Exception` instead (it does not include cancellation), or clean up and "
        "re-raise: `except asyncio.CancelledError: await cleanup(); raise`."
    )
    hint = "catch `Exception`, or re-raise the cancellation with `raise`"
    fix_safety = (
        "Unsafe, and only for a bare `except:`: it becomes `except Exception:`, which stops "
        "catching `CancelledError`, `KeyboardInterrupt`, `SystemExit` and `GeneratorExit`. "
        "That is the point, but code that relied on catching them behaves differently. "
        "`except BaseException:` and `except CancelledError:` have no automatic fix: the "
        "right change (re-raise, narrow the type) depends on what the handler is for."
    )
    fixable = "unsafe"
    needles = ("except",)

    VALID = (
        Valid("async def tool():\n    try:\n        await work()\n    except Exception:\n"
              "        return 'failed'\n"),
        Valid("import asyncio\n\nasync def tool():\n    try:\n        await work()\n"
              "    except asyncio.CancelledError:\n        await cleanup()\n        raise\n"),
        Valid("async def tool():\n    try:\n        await work()\n"
              "    except BaseException as error:\n        log(error)\n        raise error\n"),
        Valid("def tool():\n    try:\n        work()\n    except:\n        pass\n"),
        Valid("async def tool():\n    def helper():\n        try:\n            work()\n"
              "        except:\n            pass\n    return helper\n"),
        Valid("import asyncio\n\nasync def tool():\n    try:\n        await work()\n"
              "    except asyncio.CancelledError:\n        if closing():\n            raise\n"
              "        return None\n"),
        Valid("class CancelledError(Exception):\n    pass\n\nasync def tool():\n    try:\n"
              "        await work()\n    except CancelledError:\n        pass\n"),
        Valid("import asyncio\n\nasync def tool():\n    try:\n        await work()\n"
              "    except (ValueError, KeyError):\n        pass\n"),
        Valid("import asyncio\n\nif __name__ == '__main__':\n    try:\n"
              "        asyncio.run(main())\n    except BaseException:\n        pass\n"),
        Valid("import asyncio\n\nasync def tool():\n    try:\n        await work()\n"
              "    except asyncio.TimeoutError:\n        return None\n"),
    )
    INVALID = (
        Invalid("async def tool():\n    try:\n        await work()\n    except:\n"
                "        return 'failed'\n",
                at=((4, 5),),
                fixed="async def tool():\n    try:\n        await work()\n"
                      "    except Exception:\n        return 'failed'\n"),
        Invalid("import asyncio as aio\n\nasync def poll():\n    while True:\n        try:\n"
                "            await aio.sleep(1)\n        except aio.CancelledError:\n"
                "            continue\n",
                at=((7, 9),)),
        Invalid("from asyncio import CancelledError\n\nasync def tool():\n    try:\n"
                "        await work()\n    except (ValueError, CancelledError) as e:\n"
                "        return str(e)\n",
                at=((6, 5),)),
        Invalid("async def tool():\n    try:\n        await work()\n"
                "    except BaseException as e:\n        raise RuntimeError('x') from e\n",
                at=((4, 5),)),
        Invalid("async def tool():\n    try:\n        await work()\n    except:\n"
                "        def later():\n            raise\n        return later\n",
                at=((4, 5),),
                fixed="async def tool():\n    try:\n        await work()\n"
                      "    except Exception:\n        def later():\n            raise\n"
                      "        return later\n"),
        Invalid("class Worker:\n    async def run(self):\n        try:\n"
                "            await self.step()\n        except BaseException:\n"
                "            try:\n                await self.stop()\n"
                "            except Exception:\n                raise\n",
                at=((5, 9),)),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._open: list[_Open] = []

    def _catches(self, handler: _Handler) -> str | None:
        """The spelling of what the handler catches that includes cancellation, if any."""
        if handler.type is None:
            return "except:"
        types = handler.type
        elements = ([e.value for e in types.elements] if isinstance(types, cst.Tuple)
                    else [types])
        for element in elements:
            resolved = self.context.resolve(element)
            if resolved in _CANCELLATION:
                return f"except {self.context.module.code_for_node(element)}:"
        return None

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._enter(node)

    def leave_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._leave()

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._enter(node)

    def leave_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._leave()

    def _enter(self, node: _Handler) -> None:
        catches = self._catches(node) if self.context.where.in_async else None
        name = node.name.name.value if (
            node.name is not None and isinstance(node.name.name, cst.Name)) else None
        self._open.append(_Open(node, _owner(self.context), name, catches))

    def visit_Raise(self, node: cst.Raise) -> None:
        owner = _owner(self.context)
        raised = node.exc.value if isinstance(node.exc, cst.Name) else None
        for record in reversed(self._open):
            if record.owner is not owner:
                break
            if node.exc is None:
                record.reraised = True
                break
            if raised is not None and raised == record.name:
                record.reraised = True
                break

    def _leave(self) -> None:
        record = self._open.pop()
        if record.catches is None or record.reraised:
            return
        function = record.owner
        label = function.name.value if isinstance(function, cst.FunctionDef) else "?"
        handler = record.handler
        fix = None
        if handler.type is None and isinstance(handler, cst.ExceptHandler):
            fix = Fix("unsafe", ((handler.whitespace_after_except, _Text(" Exception")),), (),
                      "catch `Exception` instead of everything")
        self.report(
            handler,
            f"`{record.catches}` in async function `{label}` swallows task cancellation "
            "(`CancelledError`): shutdown and timeouts hang; re-raise it or catch `Exception`",
            fix=fix,
        )
