"""The reference infill's canvas (evaluate.reference_canvas): cut between characters and marked at
the document's ends, as the engine's canvas and the training rows are."""
from diffuse.evaluate import reference_canvas
from diffuse.tokenizer import EOS_ID, MASK_ID

from test_data import ByteTokenizer

TOK = ByteTokenizer()


def pieces(row, start, hole_tokens):
    return row[:start], row[start:start + hole_tokens], row[start + hole_tokens:]


def test_a_prefix_cut_inside_a_character_moves_to_its_end():
    # 100 three-byte characters; the room left for the prefix (55 tokens) would start mid-character
    row, start = reference_canvas(TOK, {"prefix": "中" * 100, "suffix": "x"}, hole_tokens=8, L=64)
    left, hole, right = pieces(row, start, 8)
    assert len(left) == 54 and TOK.bytes(left).decode("utf-8") == "中" * 18
    assert hole == [MASK_ID] * 8
    assert right == TOK.encode("x").ids + [EOS_ID]       # the whole suffix: the document's end is marked
    assert len(row) <= 64


def test_a_suffix_cut_inside_a_character_moves_to_its_start():
    row, start = reference_canvas(TOK, {"prefix": "x" * 100, "suffix": "é" * 50}, hole_tokens=8, L=68)
    left, _, right = pieces(row, start, 8)
    assert TOK.bytes(right).decode("utf-8") == "é" * 7  # 15 tokens of room, 14 of whole characters
    assert EOS_ID not in row                            # neither end of the document is on the canvas
    assert left == TOK.encode("x" * 45).ids


def test_a_document_that_fits_is_marked_at_both_ends():
    row, start = reference_canvas(TOK, {"prefix": "a = 1\n", "suffix": "\nb = 2\n"}, hole_tokens=4, L=64)
    assert row == [EOS_ID] + TOK.encode("a = 1\n").ids + [MASK_ID] * 4 + TOK.encode("\nb = 2\n").ids + [EOS_ID]
    assert start == 1 + len("a = 1\n")
