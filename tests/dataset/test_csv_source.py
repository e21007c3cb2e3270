"""The CSV reader: encoding, header and quoting errors name the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from proctor.dataset._sources import CsvSource, open_source
from proctor.errors import DatasetError


def write(tmp_path: Path, data: bytes, name: str = "d.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read_all(path: Path) -> list[tuple[int, dict]]:
    source = open_source(path)
    try:
        return [(line, record) for line, _, record in source.records()]
    finally:
        source.close()


def test_well_formed_csv_with_bom_and_a_multi_line_cell(tmp_path: Path) -> None:
    path = write(tmp_path, b'\xef\xbb\xbfid,text\na,"two\nlines"\nb,caf\xc3\xa9\n')
    assert read_all(path) == [
        (2, {"id": "a", "text": "two\nlines"}),
        (4, {"id": "b", "text": "café"}),
    ]


def test_read_at_reads_the_record_again(tmp_path: Path) -> None:
    path = write(tmp_path, b'id,text\na,"x ""quoted"" y"\nb,z\n')
    source = CsvSource(path)
    try:
        locators = [(locator, record) for _, locator, record in source.records()]
        for locator, record in locators:
            assert source.read_at(locator)[1] == record
    finally:
        source.close()


def test_latin1_row_is_a_dataset_error_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "id,text\na,ok\nb,caf\xe9\n".encode("latin-1"))
    with pytest.raises(DatasetError, match="not UTF-8 text") as caught:
        read_all(path)
    assert caught.value.source == str(path)
    assert caught.value.line == 3
    assert f"{path}:3: not UTF-8 text" in str(caught.value)


def test_latin1_inside_a_multi_line_cell_names_the_physical_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'id,text\na,"first\nd\xe9j\xe0 vu"\n'.encode("latin-1"))
    with pytest.raises(DatasetError, match="not UTF-8 text") as caught:
        read_all(path)
    assert caught.value.line == 3


def test_latin1_header_is_a_dataset_error_on_line_1(tmp_path: Path) -> None:
    path = write(tmp_path, "id,r\xe9ponse\na,b\n".encode("latin-1"))
    with pytest.raises(DatasetError, match="not UTF-8 text") as caught:
        CsvSource(path)
    assert (caught.value.source, caught.value.line) == (str(path), 1)


@pytest.mark.parametrize("header", [b"id,question,id\n", b"id,question, id \n"])
def test_duplicate_column_is_a_dataset_error_naming_it(tmp_path: Path, header: bytes) -> None:
    path = write(tmp_path, header + b"a,b,c\n")
    with pytest.raises(DatasetError, match="duplicate column 'id'") as caught:
        CsvSource(path)
    assert caught.value.line == 1


def test_unnamed_columns_are_not_duplicates(tmp_path: Path) -> None:
    path = write(tmp_path, b"id,,\na,,\n")
    assert read_all(path) == [(2, {"id": "a"})]


def test_unterminated_quote_is_a_dataset_error_naming_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, b'id,text\na,fine\nb,"never closed\nc,swallowed\nd,too\n')
    with pytest.raises(DatasetError, match="never closed") as caught:
        read_all(path)
    assert (caught.value.source, caught.value.line) == (str(path), 3)


def test_text_after_a_closing_quote_is_a_dataset_error(tmp_path: Path) -> None:
    path = write(tmp_path, b'id,text\na,fine\nb,"quoted"tail\n')
    with pytest.raises(DatasetError, match="malformed CSV") as caught:
        read_all(path)
    assert caught.value.line == 3


def test_unterminated_quote_in_the_header_is_a_dataset_error(tmp_path: Path) -> None:
    path = write(tmp_path, b'id,"text\na,b\n')
    with pytest.raises(DatasetError, match="malformed CSV header") as caught:
        CsvSource(path)
    assert caught.value.line == 1


def test_tsv_is_checked_the_same_way(tmp_path: Path) -> None:
    path = write(tmp_path, b'id\ttext\na\t"open\n', name="d.tsv")
    with pytest.raises(DatasetError, match="never closed") as caught:
        read_all(path)
    assert caught.value.line == 2
