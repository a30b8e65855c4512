"""The truth table in the upstream Kubernetes e2e text format (TruthTable.PrettyPrint)."""

from editor.netpol import analyze, truthtable
from editor.netpol.compile import compile_design

from .designs import three_tier


def test_three_tier_truth_table_prints_as_the_e2e_tests_do():
    graph = three_tier()
    table = analyze.matrix(graph, compile_design(graph), "TCP", 8080)
    assert truthtable.pretty_print(table) == (
        "-\tshop/frontend\tshop/api\tshop/db\n"
        "shop/frontend\tX\t.\tX\n"
        "shop/api\tX\tX\tX\n"
        "shop/db\tX\tX\tX"
    )


def test_indent_prefixes_every_line():
    graph = three_tier()
    text = truthtable.pretty_print(analyze.matrix(graph, compile_design(graph), "TCP", 5432), indent="  ")
    assert all(line.startswith("  ") for line in text.split("\n"))
