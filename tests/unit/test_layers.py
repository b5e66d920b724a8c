"""The layering of oms/, checked on its whole import graph (transitively), not file by file.

The graph. Every ``import`` and ``from ... import`` statement of every module under oms/
(oms/db/migrations excepted) is an edge, wherever it stands: at the top of the file, inside a
function (a lazy import is still a dependency) or under ``if TYPE_CHECKING:``. Relative imports
are resolved against the importing module; ``from pkg import name`` leads to the submodule
``pkg.name`` when there is one. Importing ``a.b.c`` also runs the ``__init__`` of ``a`` and
``a.b``, so those packages are edges too, except the importer's own packages (they are already
running by the time its code runs: counting them would make every package a cycle with its own
modules). A third-party import is an edge to its top-level name (``sqlalchemy.orm`` ->
``sqlalchemy``); what that package imports in turn is not followed.

The rules (each failure prints the import chain, with file and line of every step):

1. Layers, top to bottom: (a) the composition root ``oms.api``, ``oms.cli``, ``oms.bootstrap``,
   the handler registry ``oms.handlers`` and the settings ``oms.config`` (read from the
   environment with pydantic-settings by the edges, which pass plain values on); (b) the
   contexts ``oms.orders``, ``oms.stores``, ``oms.returns``, ``oms.replay``, ``oms.catalog``,
   ``oms.access``, ``oms.notifications``, ``oms.integrations``, ``oms.seed``; (c) ``oms.promise``,
   ``oms.inventory``; (d) ``oms.sourcing``; (e) ``oms.domain``.
   A module imports its own layer or lower ones, never a higher one (checked edge by edge, which
   covers every chain). Anyone may import the shared utility ``oms.metrics`` (the Prometheus
   counters); it imports nothing but ``oms.domain``. Every module of oms/
   has a place (a new package must be added here).
2. ``oms.db`` is the persistence adapter: only ``oms.api``, ``oms.cli``, ``oms.bootstrap`` and
   ``oms.db`` itself reach it. No other module reaches it, directly or through any chain.
3. No import cycle between modules (strongly connected components of the module graph), and none
   between the packages ``oms.orders``, ``oms.stores``, ``oms.returns``, ``oms.promise``,
   ``oms.inventory``, ``oms.sourcing``, ``oms.catalog``, ``oms.access``, ``oms.notifications``,
   ``oms.integrations`` (sideways imports between contexts are fine as long as they do not go
   round).
4. Purity, through any chain of imports (third-party packages reached via oms modules count):

   - Web and database frameworks (``WEB_AND_DB``: SQLAlchemy, FastAPI, Starlette, pydantic,
     Alembic, Uvicorn, Typer) are reached from no module of layers (b)-(e) nor from the shared
     utilities (which everyone may import): only api, cli, bootstrap and db reach them.
   - The domain reaches only the standard library, numpy and itself.
   - numba and OR-Tools stay behind the sourcing engine. ``KERNELS`` are the modules that import
     them (exactly those: a new one must be listed); ``ENGINE`` is the kernels plus the sourcing
     modules that wrap them; ``GATEWAYS`` are the engine's entry points (the online sourcer, the
     wave solver, the strategy registry). A module is pure unless it is in ``ENGINE`` or
     ``ENGINE_CLIENTS``: a pure module reaches neither numba nor OR-Tools, by any chain. An engine
     client is an application service that runs a sourcing engine, itself or through another
     engine client (the promise service and the option quote, reservations, the order, store and
     returns services, the replay's runs and what reports on them): it may reach numba and
     OR-Tools, but only through a gateway, never through a kernel or another engine module
     directly. So the domain, the sourcing contract and its cost and strategies rules, every
     context's model, lifecycle, errors, ports and rule modules (promise dates, node calendars,
     returns policy...) are pure, and so is every module nobody listed.

The checker is tested on a small fake package at the end of the file, so that it cannot pass by
finding nothing.
"""

from __future__ import annotations

import ast
import sys
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

OMS = Path(__file__).resolve().parents[2] / "oms"

# Rule 1: the layers, top to bottom (a package or module name stands for all its submodules).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "(a) composition root",
        (
            "oms.api",
            "oms.cli",
            "oms.cli_replay",
            "oms.cli_scenario",
            "oms.cli_common",
            "oms.bootstrap",
            "oms.handlers",
            "oms.config",
        ),
    ),
    (
        "(b) contexts",
        (
            "oms.orders",
            "oms.stores",
            "oms.returns",
            "oms.replay",
            "oms.catalog",
            "oms.access",
            "oms.notifications",
            "oms.integrations",
            "oms.customers",
            "oms.kpis",
            "oms.seed",
        ),
    ),
    ("(c) promise and inventory", ("oms.promise", "oms.inventory")),
    ("(d) sourcing", ("oms.sourcing",)),
    ("(e) domain", ("oms.domain",)),
)
SHARED = ("oms.metrics",)
ADAPTER = "oms.db"
# Rule 2: who may reach the persistence adapter.
REACHES_DB = ("oms.api", "oms.cli", "oms.cli_scenario", "oms.bootstrap", "oms.db")
# Rule 3: the packages that must not import each other in a circle.
PACKAGES = (
    "oms.orders",
    "oms.stores",
    "oms.returns",
    "oms.promise",
    "oms.inventory",
    "oms.sourcing",
    "oms.catalog",
    "oms.access",
    "oms.notifications",
    "oms.integrations",
    "oms.customers",
)
# Rule 4.
WEB_AND_DB = frozenset(
    {
        "sqlalchemy",
        "fastapi",
        "starlette",
        "pydantic",
        "pydantic_core",
        "pydantic_settings",
        "alembic",
        "uvicorn",
        "typer",
    }
)
COMPUTE = frozenset({"numba", "ortools"})
KERNELS = frozenset(
    {
        "oms.sourcing.compiled_rules",
        "oms.sourcing.kernels",
        "oms.sourcing.search_kernels",
        "oms.sourcing.set_kernels",
        "oms.sourcing.promise_kernels",
        "oms.sourcing.wave_mathopt",
    }
)
GATEWAYS = frozenset(
    {"oms.sourcing.online", "oms.sourcing.wave", "oms.sourcing.registry", "oms.sourcing.lookahead"}
)
ENGINE = KERNELS | GATEWAYS | {"oms.sourcing.wave_decompose"}
ENGINE_CLIENTS = frozenset(
    {
        # Quote, promise and reserve: they run the one-order sourcer.
        "oms.promise.options",
        "oms.promise.service",
        "oms.promise.lookahead_refresh",  # the look-ahead prices: the LP of sourcing.lookahead
        "oms.orders.reservations",
        # Services that reserve or re-promise through the ones above.
        "oms.orders.service",
        "oms.stores.short_picks",
        "oms.stores.receiving",  # a transfer received short re-sources through short_picks
        "oms.stores.rejections",  # rejected units are re-sourced through short_picks
        # Re-optimisation of open orders: the wave (solve), new shipments through short_picks.
        "oms.stores.reoptimise",
        "oms.stores.reoptimise_solve",
        "oms.stores.reoptimise_apply",
        "oms.catalog.below_reserved",  # a stock sync below reserved re-sources
        "oms.catalog.stock_sync",
        "oms.catalog.stock_counts",  # an applied count below reserved re-sources
        "oms.returns.service",
        # Explanations of a decision: they run the one-order sourcer (a cart's, an order's).
        "oms.promise.explain",
        "oms.orders.explain",
        # The replay runs the strategies (registry, online, wave bound) and reports on the runs.
        "oms.replay",
        "oms.replay.simulate",
        "oms.replay.bound",
        "oms.replay.hindsight",
        "oms.replay.runner",
        "oms.replay.kpis",
        "oms.replay.fulfilment",
        "oms.replay.timeline",
        "oms.replay.report",
        "oms.replay.policies",
        "oms.replay.plots",
        # A sweep runs the replay per (seed, strategy) on Dask and reports on the runs.
        "oms.replay.sweep",
        "oms.replay.sweep_report",
        "oms.replay.sweep_plots",
    }
)


# --- The import graph ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Edge:
    """One import statement of `source`, leading to `target`: a module of the package or the
    top-level name of a third-party one. `via` says what was imported when it is not `target`."""

    source: str
    target: str
    path: Path
    line: int
    via: str = ""


@dataclass(frozen=True)
class Graph:
    modules: Mapping[str, Path]  # every module (or, for the package graph, package) by name
    edges: Mapping[str, Mapping[str, Edge]]  # source -> target -> its first import statement
    base: Path  # the directory holding the package: file names are printed relative to it

    def internal(self, name: str) -> list[str]:
        return [target for target in self.edges.get(name, {}) if target in self.modules]

    def chains(
        self,
        start: str,
        forbidden: Callable[[str], bool],
        through: Callable[[str], bool] = lambda _: True,
    ) -> dict[str, list[Edge]]:
        """The shortest import chain from `start` to each forbidden name it reaches. Forbidden
        names are not entered, nor are modules for which `through` is false."""
        came: dict[str, Edge | None] = {start: None}
        found: dict[str, list[Edge]] = {}
        queue = deque([start])
        while queue:
            name = queue.popleft()
            if name != start and not through(name):
                continue
            for target, edge in self.edges.get(name, {}).items():
                if forbidden(target):
                    if target not in found:
                        found[target] = [*self._back(came, name), edge]
                elif target not in came and target in self.modules:
                    came[target] = edge
                    queue.append(target)
        return dict(sorted(found.items()))

    @staticmethod
    def _back(came: Mapping[str, Edge | None], name: str) -> list[Edge]:
        steps: list[Edge] = []
        edge = came[name]
        while edge is not None:
            steps.append(edge)
            edge = came[edge.source]
        return steps[::-1]

    def show(self, steps: list[Edge]) -> str:
        """A chain, one import a line: `a -> b -> ... -> framework`, with file and line."""
        lines = [f"      {steps[0].source}"]
        for edge in steps:
            where = f"{edge.path.relative_to(self.base)}:{edge.line}"
            if edge.via:
                where += f", {edge.via}"
            lines.append(f"   -> {edge.target:<36} ({where})")
        return "\n".join(lines)

    def cycles(self) -> list[list[list[Edge]]]:
        """Each strongly connected component with a cycle, as the shortest cycle through each of
        its members (rotations of one cycle counted once)."""
        found = []
        for component in _components(sorted(self.modules), self.internal):
            members = set(component)
            loops: dict[tuple[str, ...], list[Edge]] = {}
            for member in component:
                loop = self.chains(member, member.__eq__, members.__contains__)[member]
                names = [edge.source for edge in loop]
                first = names.index(min(names))
                key = tuple(names[first:] + names[:first])
                loops.setdefault(key, loop[first:] + loop[:first])
            found.append(list(loops.values()))
        return found


def _components(nodes: list[str], successors: Callable[[str], list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, keeping those that hold a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in successors(node):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component: list[str] = []
            while not component or component[-1] != node:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1 or node in successors(node):
                result.append(sorted(component))

    for node in nodes:
        if node not in index:
            visit(node)
    return sorted(result)


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def build_graph(package: Path, excluded: Iterable[str] = ()) -> Graph:
    """The import graph of the package in directory `package`, less the `excluded` subpackages."""
    base = package.parent
    modules: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(base).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        if not any(within(name, prefix) for prefix in excluded):
            modules[name] = path
    edges = {name: _imports(name, path, modules, package.name) for name, path in modules.items()}
    return Graph(modules, edges, base)


def _imports(name: str, path: Path, modules: Mapping[str, Path], top: str) -> dict[str, Edge]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    running = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 2)}
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    edges: dict[str, Edge] = {}
    for node in sorted(_import_statements(tree.body), key=lambda n: (n.lineno, n.col_offset)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            if node.level:
                parts = package.split(".")[: max(0, package.count(".") + 2 - node.level)]
                module = ".".join([*parts, node.module] if node.module else parts)
            else:
                module = node.module or ""
            # The package itself, and each imported name that is a submodule of it.
            names = [module, *(f"{module}.{a.name}" for a in node.names if a.name != "*")]
        for dotted in names:
            parts = dotted.split(".")
            if parts[0] != top:
                targets = [parts[0]]
            else:
                prefixes = (".".join(parts[:i]) for i in range(1, len(parts) + 1))
                targets = [p for p in prefixes if p in modules and p not in running]
            for target in targets:
                via = f"importing {dotted}" if dotted != target else ""
                edges.setdefault(target, Edge(name, target, path, node.lineno, via))
    return edges


def _import_statements(body: Iterable[ast.AST]) -> Iterable[ast.Import | ast.ImportFrom]:
    """Every import statement in these statements and in the blocks they hold, at any depth
    (imports are statements: there is no need to walk the expressions)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        for block in ("body", "orelse", "finalbody", "handlers", "cases"):
            yield from _import_statements(getattr(node, block, []))


def package_graph(graph: Graph, packages: Iterable[str]) -> Graph:
    """The graph between packages: P -> Q when a module of P imports one of Q (the witness is the
    first such import, in module order)."""
    packages = tuple(packages)

    def owner(name: str) -> str | None:
        return next((p for p in packages if within(name, p)), None)

    edges: dict[str, dict[str, Edge]] = {p: {} for p in packages}
    for module in sorted(graph.modules):
        if (source := owner(module)) is None:
            continue
        for target in graph.internal(module):
            dest = owner(target)
            if dest is not None and dest != source:
                edge = graph.edges[module][target]
                witness = Edge(source, dest, edge.path, edge.line, f"{module} imports {target}")
                edges[source].setdefault(dest, witness)
    dirs = {p: graph.base.joinpath(*p.split(".")) for p in packages}
    return Graph(dirs, edges, graph.base)


# --- The rules, on oms/ --------------------------------------------------------------------------

GRAPH = build_graph(OMS, excluded=("oms.db.migrations",))
MODULES = sorted(GRAPH.modules)


def rank(name: str) -> int | None:
    """0 for the composition root down to 4 for the domain; None outside the layers."""
    return next((i for i, (_, ps) in enumerate(LAYERS) if any(within(name, p) for p in ps)), None)


def place(name: str) -> str:
    if (layer := rank(name)) is not None:
        return f"layer {LAYERS[layer][0]}"
    if any(within(name, p) for p in SHARED):
        return "shared utility"
    return "adapter" if within(name, ADAPTER) else "nowhere"


def fail_with(problems: list[str]) -> None:
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


def may_import(source: str, target: str) -> bool:
    if any(within(target, p) for p in SHARED):
        return True
    if any(within(source, p) for p in SHARED):
        return within(target, "oms.domain")
    if rank(target) is None:
        return True  # oms.db is rule 2's business; a module with no place fails its own test
    return rank(target) >= rank(source)  # type: ignore[operator]


def one_per_statement(chains: Mapping[str, list[Edge]]) -> list[tuple[str, list[Edge]]]:
    """The chains that end in distinct import statements: `from oms.db import ledger` reaches
    oms.db and oms.db.ledger at once, and is one thing to fix (shown as the deeper module)."""
    kept: dict[tuple[Path, int], tuple[str, list[Edge]]] = {}
    for target, chain in sorted(chains.items(), key=lambda item: -len(item[0])):
        kept.setdefault((chain[-1].path, chain[-1].line), (target, chain))
    return sorted(kept.values())


LAYERED = [m for m in MODULES if rank(m) is not None or any(within(m, p) for p in SHARED)]
BELOW_THE_ROOT = [m for m in LAYERED if rank(m) != 0]
OUTSIDE_THE_ROOT = [m for m in MODULES if not any(within(m, p) for p in REACHES_DB)]
UNITS = sorted({".".join(m.split(".")[:2]) for m in MODULES if m != "oms"})
CYCLES = GRAPH.cycles()
PACKAGE_GRAPH = package_graph(GRAPH, PACKAGES)
PACKAGE_CYCLES = PACKAGE_GRAPH.cycles()


def test_every_module_has_a_place_in_the_layers():
    assert [m for m in MODULES if m != "oms" and place(m) == "nowhere"] == []


@pytest.mark.parametrize("module", LAYERED)
def test_a_module_imports_nothing_from_a_higher_layer(module):
    edges = GRAPH.edges[module]
    upward = {t: [edges[t]] for t in GRAPH.internal(module) if not may_import(module, t)}
    fail_with(
        [
            f"{module} ({place(module)}) imports {target} ({place(target)}):\n{GRAPH.show(c)}"
            for target, c in one_per_statement(upward)
        ]
    )


@pytest.mark.parametrize("module", OUTSIDE_THE_ROOT)
def test_only_the_composition_root_reaches_the_database_adapter(module):
    # One chain per import statement that enters oms.db.
    chains = GRAPH.chains(module, lambda name: within(name, ADAPTER))
    fail_with([f"{module} reaches {t}:\n{GRAPH.show(c)}" for t, c in one_per_statement(chains)])


def _show_cycles(graph: Graph, components: list[list[list[Edge]]], unit: str) -> list[str]:
    problems = []
    for loops in components:
        if any(within(edge.source, unit) for loop in loops for edge in loop):
            members = sorted({edge.source for loop in loops for edge in loop})
            text = [f"import cycle among {', '.join(members)}:"]
            problems.append("\n".join(text + [graph.show(loop) for loop in loops]))
    return problems


@pytest.mark.parametrize("unit", UNITS)
def test_no_import_cycle_runs_through_the_package(unit):
    fail_with(_show_cycles(GRAPH, CYCLES, unit))


@pytest.mark.parametrize("package", PACKAGES)
def test_the_packages_import_each_other_without_a_cycle(package):
    fail_with(_show_cycles(PACKAGE_GRAPH, PACKAGE_CYCLES, package))


@pytest.mark.parametrize("module", BELOW_THE_ROOT)
def test_a_module_below_the_composition_root_reaches_no_web_or_database_framework(module):
    chains = GRAPH.chains(module, WEB_AND_DB.__contains__)
    fail_with([f"{module} reaches {target}:\n{GRAPH.show(c)}" for target, c in chains.items()])


@pytest.mark.parametrize("module", [m for m in BELOW_THE_ROOT if m not in ENGINE])
def test_numba_and_or_tools_are_reached_only_through_the_sourcing_gateways(module):
    # One chain per way into the engine (each is a separate import to fix), continued to numba or
    # OR-Tools. An engine client does not enter the gateways; a pure module may not either.
    client = module in ENGINE_CLIENTS
    kind = "an engine client" if client else "pure: in neither ENGINE nor ENGINE_CLIENTS"
    problems = []
    for entry, chain in GRAPH.chains(
        module,
        lambda name: name in COMPUTE or (name in ENGINE and not (client and name in GATEWAYS)),
        lambda name: not (client and name in GATEWAYS),
    ).items():
        if entry in COMPUTE:
            what = f"reaches {entry} outside the sourcing engine"
        else:
            chain = chain + next(iter(GRAPH.chains(entry, COMPUTE.__contains__).values()))
            gateway = ", not at a gateway" if client else ""
            what = f"enters the sourcing engine at {entry}{gateway}, reaching {chain[-1].target}"
        problems.append(f"{module} ({kind}) {what}:\n{GRAPH.show(chain)}")
    fail_with(problems)


@pytest.mark.parametrize("module", [m for m in MODULES if within(m, "oms.domain")])
def test_the_domain_reaches_only_the_standard_library_numpy_and_itself(module):
    allowed = set(sys.stdlib_module_names) | {"numpy"}
    # Other oms modules are rule 1's business; what they import in turn is followed here.
    chains = GRAPH.chains(module, lambda name: name not in GRAPH.modules and name not in allowed)
    fail_with([f"{module} reaches {target}:\n{GRAPH.show(c)}" for target, c in chains.items()])


def test_the_kernels_are_exactly_the_modules_that_import_numba_or_or_tools():
    assert {m for m in MODULES if COMPUTE & GRAPH.edges[m].keys()} == KERNELS


def test_the_allow_lists_name_modules_that_exist():
    assert (ENGINE | ENGINE_CLIENTS) - GRAPH.modules.keys() == set()


@pytest.mark.parametrize("module", sorted(ENGINE))
def test_an_engine_module_reaches_numba_or_or_tools(module):
    # Else it has no business in the engine: it is pure.
    assert GRAPH.chains(module, COMPUTE.__contains__) != {}


@pytest.mark.parametrize("module", sorted(ENGINE_CLIENTS))
def test_an_engine_client_reaches_a_gateway(module):
    # Else it has no business in the allow-list: it is pure.
    assert GRAPH.chains(module, GATEWAYS.__contains__) != {}


def test_the_checker_sees_oms_and_its_frameworks():
    # A wrong path or a broken parser would find nothing, and every rule above would pass.
    assert {"oms.domain.geo", "oms.sourcing.kernels", "oms.db.tables"} <= GRAPH.modules.keys()
    assert "sqlalchemy" in GRAPH.chains("oms.db.uow", WEB_AND_DB.__contains__)
    assert "numba" in GRAPH.chains("oms.sourcing.online", COMPUTE.__contains__)


# --- The checker, on a fake package --------------------------------------------------------------

FAKE = {
    "fake/__init__.py": "",
    "fake/a.py": "from . import b\n",
    # A lazy import is an edge: a -> b -> c -> a is a cycle.
    "fake/b.py": "def later():\n    from fake.c import run\n\n    return run\n",
    "fake/c.py": "import fake.a\nfrom .sub import d\n\n\ndef run():\n    return d\n",
    "fake/sub/__init__.py": "",
    "fake/sub/d.py": "import os\nimport sqlalchemy.orm\n",
    # Packages p and q import each other (p.x -> q.y, q.z -> p.w) with no cycle between modules.
    "fake/p/__init__.py": "",
    "fake/p/x.py": "from fake.q import y\n",
    "fake/p/w.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    import fastapi\n",
    "fake/q/__init__.py": "",
    "fake/q/y.py": "import fake.db\n",
    "fake/q/z.py": "from ..p import w\n",
    # Left out of the graph, or db -> env -> q.y -> db would be a second cycle.
    "fake/db/__init__.py": "def migrate():\n    from .migrations import env\n",
    "fake/db/migrations/__init__.py": "",
    "fake/db/migrations/env.py": "import alembic\n\nimport fake.q.y\n",
}


@pytest.fixture
def fake(tmp_path):
    for name, text in FAKE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return build_graph(tmp_path / "fake", excluded=("fake.db.migrations",))


def test_the_checker_resolves_relative_lazy_and_submodule_imports(fake):
    assert "fake.db.migrations.env" not in fake.modules
    assert list(fake.edges["fake.db"]) == []
    assert list(fake.edges["fake.a"]) == ["fake.b"]  # not fake, its own package
    assert list(fake.edges["fake.b"]) == ["fake.c"]
    assert list(fake.edges["fake.c"]) == ["fake.a", "fake.sub", "fake.sub.d"]
    assert list(fake.edges["fake.sub.d"]) == ["os", "sqlalchemy"]
    assert list(fake.edges["fake.q.z"]) == ["fake.p", "fake.p.w"]
    assert list(fake.edges["fake.p.w"]) == ["typing", "fastapi"]  # under TYPE_CHECKING too


def test_the_checker_finds_a_cycle_through_a_lazy_import(fake):
    (loops,) = fake.cycles()
    assert [[edge.target for edge in loop] for loop in loops] == [["fake.b", "fake.c", "fake.a"]]
    assert "fake/b.py:2" in fake.show(loops[0])


def test_the_checker_finds_the_chain_to_a_forbidden_framework(fake):
    chains = fake.chains("fake.a", {"sqlalchemy", "alembic"}.__contains__)
    assert list(chains) == ["sqlalchemy"]
    assert [edge.target for edge in chains["sqlalchemy"]] == [
        "fake.b",
        "fake.c",
        "fake.sub.d",
        "sqlalchemy",
    ]
    assert fake.show(chains["sqlalchemy"]).split() == [
        "fake.a",
        *("->", "fake.b", "(fake/a.py:1)"),
        *("->", "fake.c", "(fake/b.py:2)"),
        *("->", "fake.sub.d", "(fake/c.py:2)"),
        *("->", "sqlalchemy", "(fake/sub/d.py:2,", "importing", "sqlalchemy.orm)"),
    ]


def test_the_checker_stops_at_a_gateway(fake):
    assert fake.chains("fake.a", "sqlalchemy".__eq__, lambda name: name != "fake.c") == {}


def test_the_checker_finds_a_cycle_between_packages(fake):
    assert package_graph(fake, ["fake.sub"]).cycles() == []
    (loops,) = package_graph(fake, ["fake.p", "fake.q", "fake.sub"]).cycles()
    assert [[(edge.source, edge.target, edge.via) for edge in loop] for loop in loops] == [
        [
            ("fake.p", "fake.q", "fake.p.x imports fake.q"),
            ("fake.q", "fake.p", "fake.q.z imports fake.p"),
        ]
    ]
