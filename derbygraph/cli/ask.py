"""The commands that answer a question: query, lineage, why, crosswalk."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from derbygraph.config import DEFAULT
from derbygraph.errors import BadInput
from derbygraph.store import formats

from . import text as plain
from .group import data_option, main, open_dataset, store_option


@main.command()
@click.argument("query", required=False)
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", *formats.names(formats.SOLUTIONS + formats.GRAPHS)]))
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="A canned query's parameter.")
@click.option("--list", "list_canned", is_flag=True, help="List the canned queries, a line each.")
@data_option
@store_option
def query(query: str | None, fmt: str, params: tuple[str, ...], list_canned: bool, data, store) -> None:
    """Run SPARQL (text, a .rq file, or a canned query's name) against the served graph."""
    from derbygraph.answers import canned as queries
    from derbygraph.store.executor import for_a_command

    if list_canned:
        for canned in queries.catalogue().values():
            click.echo(f"{canned.name:32} {canned.title}")
        return
    if not query:
        raise BadInput("give a query, a .rq file or a canned query's name (`derbygraph query --list` lists them)")
    values = {}
    for param in params:
        name, sep, value = param.partition("=")
        if not sep:
            raise BadInput(f"--param {param!r}: write it as NAME=VALUE")
        values[name] = value
    dataset = open_dataset(data, store)
    text = queries.query_text(dataset, query, values)
    executor = for_a_command(dataset, DEFAULT)
    try:
        if fmt == "table":  # TSV for solutions (drawn as a table), Turtle for graphs
            reply = executor.run(text, accept=formats.accept_header([formats.RESULTS_TSV, formats.TURTLE]))
        else:
            reply = executor.run(text, format_name=fmt)
        answer, body = reply.answer, reply.read()
    finally:
        executor.close()
    if fmt == "table" and answer.form != "graph":
        click.echo(plain.table(body.decode("utf-8")))
    else:
        sys.stdout.buffer.write(body if body.endswith(b"\n") or not body else body + b"\n")
    if answer.truncated:
        limit = f"{DEFAULT.max_rows} rows" if answer.truncated == "rows" else f"{DEFAULT.max_answer_bytes >> 20} MiB"
        click.echo(f"derbygraph: result cut at {answer.rows} rows (the limit is {limit})", err=True)


@main.command()
@click.argument("name")
@click.option("--at", metavar="DATE", help="What it was called then: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="Print exactly what /api/lineage returns.")
@data_option
@store_option
def lineage(name: str, at: str | None, as_json: bool, data, store) -> None:
    """The lineage of an organisation: its names, events, predecessors and successors."""
    from derbygraph.answers.lineage import LineageService
    from derbygraph.answers.names import choose_lineage

    dataset = open_dataset(data, store)
    service = LineageService(dataset)
    answer = service.lineage(name, at)
    choice = choose_lineage(service, name)
    if choice.best is not None and not choice.exact:  # a rough match: say which, and why, on stderr
        click.echo(choice.reason(), err=True)
    if as_json:
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
        return
    click.echo(plain.lineage(answer))


@main.command()
@click.argument("s")
@click.argument("p")
@click.argument("o")
@click.option("--json", "as_json", is_flag=True, help="Print exactly what /api/why returns.")
@data_option
@store_option
def why(s: str, p: str, o: str, as_json: bool, data, store) -> None:
    """The quotes (and registry rows) the statement S P O rests on; O an IRI or an N-Triples literal."""
    from derbygraph.answers.why import WhyService

    dataset = open_dataset(data, store)
    answer = WhyService(dataset).why(s, p, o)
    click.echo(json.dumps(answer, indent=2, ensure_ascii=False) if as_json else plain.why(answer))


def _once(ctx, param, values: tuple) -> str | None:
    """An option that takes one value: given twice, it is refused rather than the last one kept."""
    if len(values) > 1:
        raise BadInput(f"give --{param.name} once (it was given {len(values)} times: {', '.join(values)})")
    return values[0] if values else None


@main.command()
@click.option("--to", "to", metavar="DATE", multiple=True, callback=_once,
              help="The date whose codes to map onto (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--kind", metavar="KIND", multiple=True, callback=_once, help="Only codes of this kind (trust, pct, ccg, site...).")
@click.option("--code", metavar="CODE", multiple=True, callback=_once, help="Only this code.")
@click.option("--became", metavar="CODE", multiple=True, callback=_once,
              help="The reverse: every code that had become CODE by --to.")
@click.option("--edges", is_flag=True, help="Every succession as one row: predecessor, successor, date, change, rows.")
@click.option("--input", "input_file", metavar="FILE", help="Map the codes of this CSV, row by row, keeping its columns.")
@click.option("--code-column", metavar="C", help="With --input: the column holding the codes.")
@click.option("--date-column", metavar="D", help="With --input: the column holding each row's date.")
@click.option("--splits", default=("all",), show_default=True, metavar="all|equal|weights=FILE", multiple=True,
              callback=_once,
              help="How a code that splits is counted: every target without a share, equal shares, or "
                   "shares from a CSV of code,weight.")
@click.option("--format", "output_format", type=click.Choice(formats.names(formats.RECORDS)), default="csv",
              show_default=True)
@click.option("-o", "--output", metavar="FILE",
              help="Write to FILE instead of standard output (a CSV gets its CSVW metadata beside it, FILE-metadata.json).")
@data_option
@store_option
def crosswalk(to, kind, code, became, edges, input_file, code_column, date_column, splits, output_format, output,
              data, store) -> None:
    """Map registry codes onto the codes in force on a date (add the registry with --data ods.nt)."""
    from derbygraph.answers.crosswalk import (
        CrosswalkService,
        SplitPolicy,
        crosswalk_table,
        edge_table,
        map_csv,
        metadata_name,
    )

    if not edges and not to:
        raise BadInput("give the date to map onto with --to DATE (or --edges for the table of successions)")
    if input_file and not code_column:
        raise BadInput("--input needs --code-column, the column holding the codes")
    policy = SplitPolicy.parse(splits, read_file=_read_text)
    service = CrosswalkService(open_dataset(data, store))
    if edges:
        table = edge_table(service.edges())
    elif input_file:
        table = map_csv(service, _read_text(input_file), to, code_column, date_column, policy,
                        filename=Path(output or input_file).name)
    else:
        answer = service.crosswalk(to, code=code, kind=kind, splits=policy, became=became)
        if output_format == "json":
            return _write(json.dumps(answer, ensure_ascii=False, indent=1) + "\n", output)
        table = crosswalk_table(answer)
    _write(table.csv(), output)
    if output:
        metadata = table.metadata(service.citation(), url=Path(output).name)
        _write(json.dumps(metadata, ensure_ascii=False, indent=1) + "\n", metadata_name(output))


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not UTF-8 text") from None


def _write(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8", newline="")
    else:
        click.echo(text, nl=False)
