"""FML302 swallowed-cancellation."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from fastmcp_preflight.api import FileContext, Fix, Invalid, Rule, Valid
from fastmcp_preflight.model.walker import child_nodes

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
    #: Local names the handler stores the caught exception in (`saved = e`).
    saved: set[str] = field(default_factory=set)


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
        "of a `try` whose body awaits (an `await`, `async for`, `async with` or async "
        "comprehension, not inside a nested function: cancellation is delivered only at an "
        "await), when the handler body does not deal with the cancellation: it has no "
        "`raise` anywhere (a bare `raise`, `raise e`, or `raise ToolError(...) from e`, even "
        "conditional or inside a nested `try`; not one inside a nested `def`/`lambda`/"
        "`class`), and calls no `.uncancel()`, `.cancelled()` or `.cancelling()`. Not "
        "reported: the cancel-then-await idiom (`except CancelledError:` around `await t` "
        "where `t.cancel()` was called earlier in the same function: the handler is there "
        "for the task it cancelled itself), and a handler that follows another handler of "
        "the same `try` that already catches cancellation (`except BaseException:` after "
        "`except asyncio.CancelledError: raise`; only the first such handler ever sees the "
        "cancellation), and a handler that stores the caught exception in a local name "
        "(`saved = e`) that the same function raises later (`raise saved`, after a task "
        "group's cleanup): the cancellation is re-raised, only deferred. A handler that "
        "ends the task without re-raising (a worker loop's "
        "`except CancelledError: break`, a log line at the end of the coroutine) is "
        "reported too: the task then looks finished, not cancelled, to `asyncio.timeout()`, "
        "`TaskGroup` and `wait_for`, which rely on the CancelledError coming out. "
        "`except Exception:` is not reported (CancelledError is not an "
        "Exception since Python 3.8)."
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
        # The try body has no await: nothing there can be cancelled.
        Valid("async def tool():\n    try:\n        data = parse()\n    except:\n"
              "        data = None\n    await save(data)\n"),
        Valid("async def tool():\n    try:\n        async def later():\n"
              "            await work()\n        job = later\n    except BaseException:\n"
              "        job = None\n    return job\n"),
        # Cancel-then-await: the handler is for the task the function cancelled.
        Valid("import asyncio\n\nasync def stop(task):\n    task.cancel()\n    try:\n"
              "        await task\n    except asyncio.CancelledError:\n        pass\n"),
        Valid("from asyncio import CancelledError\n\nasync def stop(self):\n"
              "    for t in self.tasks:\n        t.cancel()\n    for t in self.tasks:\n"
              "        try:\n            await t\n        except CancelledError:\n"
              "            pass\n"),
        # The handler raises, uncancels or looks at the cancellation.
        Valid("async def tool():\n    try:\n        await work()\n"
              "    except BaseException as e:\n        raise RuntimeError('x') from e\n"),
        Valid("import asyncio\n\nasync def tool():\n    try:\n        await work()\n"
              "    except asyncio.CancelledError:\n        if asyncio.current_task().uncancel():\n"
              "            return None\n"),
        Valid("async def tool(fut):\n    try:\n        await fut\n    except BaseException:\n"
              "        if fut.cancelled():\n            log('cancelled')\n"),
        Valid("class Worker:\n    async def run(self):\n        try:\n"
              "            await self.step()\n        except BaseException:\n"
              "            try:\n                await self.stop()\n"
              "            except Exception:\n                raise\n"),
        # Stored and raised after the task group's cleanup: deferred, not swallowed.
        Valid("async def connect(server):\n    saved = None\n    async with group() as tg:\n"
              "        try:\n            await serve(server)\n"
              "        except BaseException as e:\n            saved = e\n"
              "        finally:\n            tg.cancel_scope.cancel()\n"
              "    if saved is not None:\n        raise saved\n"),
        # A later handler of a try whose CancelledError handler re-raises.
        Valid("import asyncio\n\nasync def tool():\n    try:\n        await work()\n"
              "    except asyncio.CancelledError:\n        raise\n    except BaseException:\n"
              "        return 'failed'\n    except:\n        return 'failed'\n"),
    )
    INVALID = (
        # Ending the task without re-raising still swallows the cancellation.
        Invalid("import asyncio\n\nasync def worker(queue):\n    while True:\n        try:\n"
                "            job = await queue.get()\n            await job()\n"
                "        except asyncio.CancelledError:\n            break\n",
                at=((8, 9),)),
        Invalid("import asyncio\n\nasync def worker(queue):\n    try:\n        while True:\n"
                "            await (await queue.get())()\n    except asyncio.CancelledError:\n"
                "        log('stopped')\n    finally:\n        queue.close()\n    return None\n",
                at=((7, 5),)),
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
        Invalid("async def tool():\n    try:\n        await work()\n    except:\n"
                "        def later():\n            raise\n        return later\n",
                at=((4, 5),),
                fixed="async def tool():\n    try:\n        await work()\n"
                      "    except Exception:\n        def later():\n            raise\n"
                      "        return later\n"),
        # Async for / async with in the try body await too.
        Invalid("async def tool(stream):\n    try:\n        async for chunk in stream:\n"
                "            use(chunk)\n    except BaseException:\n        pass\n"
                "    await flush()\n", at=((5, 5),)),
        Invalid("async def tool(lock):\n    try:\n        async with lock:\n"
                "            use()\n    except BaseException:\n        pass\n"
                "    await flush()\n", at=((5, 5),)),
        # Cancelled something else, or awaits something else: not the idiom.
        Invalid("import asyncio\n\nasync def stop(task, other):\n    task.cancel()\n"
                "    try:\n        await other\n    except asyncio.CancelledError:\n"
                "        pass\n    await flush()\n", at=((7, 5),)),
        Invalid("import asyncio\n\nasync def stop(task):\n    try:\n        await task\n"
                "    except asyncio.CancelledError:\n        pass\n    task.cancel()\n",
                at=((6, 5),)),
        # A cancel-then-await under a bare except is not the idiom (it names no CancelledError).
        Invalid("async def stop(task):\n    task.cancel()\n    try:\n        await task\n"
                "    except:\n        pass\n    await flush()\n", at=((5, 5),),
                fixed="async def stop(task):\n    task.cancel()\n    try:\n"
                      "        await task\n    except Exception:\n        pass\n"
                      "    await flush()\n"),
        # The loop goes round again, or the function goes on after the handler.
        Invalid("import asyncio\n\nasync def worker(queue):\n    while True:\n        try:\n"
                "            await queue.get()\n        except asyncio.CancelledError:\n"
                "            log('ignored')\n", at=((7, 9),)),
        Invalid("import asyncio\n\nasync def worker(queue):\n    for _ in range(3):\n"
                "        try:\n            await queue.get()\n"
                "        except asyncio.CancelledError:\n            break\n"
                "    await queue.join()\n", at=((7, 9),)),
        # Stored, but never raised again (or another name is raised).
        Invalid("async def connect(server):\n    saved = None\n    try:\n"
                "        await serve(server)\n    except BaseException as e:\n"
                "        saved = e\n    other = ValueError()\n    log(saved)\n"
                "    raise other\n", at=((5, 5),)),
        # An earlier handler that does not catch cancellation does not cover a later one.
        Invalid("import asyncio\n\nasync def tool():\n    try:\n        await work()\n"
                "    except ValueError:\n        raise\n    except BaseException:\n"
                "        return 'failed'\n", at=((8, 5),)),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._open: list[_Open] = []
        self._tries: list[cst.Try | cst.TryStar] = []
        #: The `try` statements one of whose handlers already catches cancellation: a later
        #: handler of the same `try` never sees it.
        self._caught: set[cst.CSTNode] = set()
        #: The receivers of `x.cancel()` calls met so far, per function (by their code).
        self._cancelled: dict[cst.CSTNode | None, set[str]] = {}
        #: Names raised (`raise saved`) per function, and the handlers that stored their
        #: exception in a name, decided when the function ends.
        self._raised: dict[cst.CSTNode | None, set[str]] = {}
        self._deferred: dict[cst.CSTNode | None, list[_Open]] = {}

    def _catches(self, handler: _Handler) -> tuple[str, bool] | None:
        """The spelling of what the handler catches that includes cancellation, if any, and
        whether it names `CancelledError` itself."""
        if handler.type is None:
            return "except:", False
        types = handler.type
        elements = ([e.value for e in types.elements] if isinstance(types, cst.Tuple)
                    else [types])
        found: tuple[str, bool] | None = None
        for element in elements:
            resolved = self.context.resolve(element)
            if resolved in _CANCELLATION:
                named = resolved != "builtins.BaseException"
                if found is None or named:
                    found = f"except {self.context.module.code_for_node(element)}:", named
        return found

    def visit_Try(self, node: cst.Try) -> None:
        self._tries.append(node)

    def leave_Try(self, node: cst.Try) -> None:
        self._tries.pop()

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self._tries.append(node)

    def leave_TryStar(self, node: cst.TryStar) -> None:
        self._tries.pop()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._enter(node)

    def leave_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._leave()

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._enter(node)

    def leave_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._leave()

    def _enter(self, node: _Handler) -> None:
        owner = _owner(self.context)
        found = self._catches(node) if self.context.where.in_async else None
        catches = None
        if found is not None and self._tries:
            statement = self._tries[-1]
            if statement in self._caught:
                pass  # an earlier handler of this `try` gets the cancellation
            elif not _awaits(statement.body):
                self._caught.add(statement)  # no await: nothing to cancel here
            else:
                self._caught.add(statement)
                awaited = self._cancelled.get(owner, set())
                if not (found[1] and awaited and _awaits(statement.body, awaited,
                                                        self.context.module)):
                    catches = found[0]
        name = node.name.name.value if (
            node.name is not None and isinstance(node.name.name, cst.Name)) else None
        self._open.append(_Open(node, owner, name, catches))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method == "cancel":
            receiver = "".join(self.context.module.code_for_node(func.value).split())
            self._cancelled.setdefault(_owner(self.context), set()).add(receiver)
        elif method in ("uncancel", "cancelled", "cancelling"):
            self._handled()

    def visit_Raise(self, node: cst.Raise) -> None:
        if isinstance(node.exc, cst.Name):
            self._raised.setdefault(_owner(self.context), set()).add(node.exc.value)
        self._handled()

    def visit_Assign(self, node: cst.Assign) -> None:
        if not isinstance(node.value, cst.Name):
            return
        owner = _owner(self.context)
        for record in reversed(self._open):
            if record.owner is not owner:
                break
            if record.name == node.value.value:
                record.saved.update(t.target.value for t in node.targets
                                    if isinstance(t.target, cst.Name))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        raised = self._raised.pop(original_node, set())
        for record in self._deferred.pop(original_node, []):
            if not record.saved & raised:
                self._report(record)

    def _handled(self) -> None:
        """A raise, `.uncancel()` or `.cancelled()` in the open handlers' bodies (not in a
        nested function): they deal with the cancellation."""
        owner = _owner(self.context)
        for record in reversed(self._open):
            if record.owner is not owner:
                break
            record.reraised = True

    def _leave(self) -> None:
        record = self._open.pop()
        if record.catches is None or record.reraised:
            return
        if record.saved:
            self._deferred.setdefault(record.owner, []).append(record)
            return
        self._report(record)

    def _report(self, record: _Open) -> None:
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


def _awaits(node: cst.CSTNode, only: set[str] | None = None,
            module: cst.Module | None = None) -> bool:
    """Whether `node` awaits (`await`, `async for`, `async with`, an async comprehension),
    not counting nested functions, lambdas and classes. With `only`: whether it has an
    `await x` of one of those expressions (by code)."""
    if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
        return False
    if isinstance(node, cst.Await):
        if only is None or module is None:
            return True
        if "".join(module.code_for_node(node.expression).split()) in only:
            return True
    elif only is None and isinstance(node, (cst.For, cst.With, cst.CompFor)) and (
            node.asynchronous is not None):
        return True
    return any(_awaits(child, only, module) for child in child_nodes(node))
