"""Sender screening: the shipped OFAC snapshot, the merchant's deny list, and refreshing the
snapshot from each form OFAC publishes the SDN list in (excerpts in OFAC's shapes, trimmed;
the IDs in them are illustrative, the names and addresses are real listings)."""

import re
import shutil
from io import BytesIO, StringIO

import pytest
import responses
from bip_utils import Base58Decoder, SegwitBech32Decoder
from django.core.management import call_command
from django.core.management.base import CommandError

from chains import screening
from chains.addresses import to_checksum_address
from chains.screening import Listing, is_flagged, parse_sdn

RONIN_EXPLOITER = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"  # Lazarus Group, 2022

ADVANCED_XML = b"""<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<Sanctions xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" Version="3"
    xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML">
  <DateOfIssue CalendarTypeID="1"><Year>2026</Year><Month>9</Month><Day>18</Day></DateOfIssue>
  <ReferenceValueSets>
    <FeatureTypeValues>
      <FeatureType ID="8" FeatureTypeGroupID="2">Birthdate</FeatureType>
      <FeatureType ID="344" FeatureTypeGroupID="1">Digital Currency Address - XBT</FeatureType>
      <FeatureType ID="345" FeatureTypeGroupID="1">Digital Currency Address - ETH</FeatureType>
    </FeatureTypeValues>
  </ReferenceValueSets>
  <DistinctParties>
    <DistinctParty FixedRef="1001"><Comment />
      <Profile ID="1001" PartySubTypeID="4">
        <Identity ID="5001" FixedRef="1001" Primary="true" False="false">
          <Alias FixedRef="1001" AliasTypeID="1403" Primary="true" LowQuality="false">
            <DocumentedName ID="7001" FixedRef="1001" DocNameStatusID="1">
              <DocumentedNamePart><NamePartValue NamePartGroupID="9001" ScriptID="215"
                ScriptStatusID="1" Acronym="false">Lazarus Group</NamePartValue>
              </DocumentedNamePart>
            </DocumentedName>
          </Alias>
        </Identity>
        <Feature ID="26100" FeatureTypeID="345">
          <FeatureVersion ID="24001" ReliabilityID="1"><Comment />
            <VersionDetail DetailTypeID="1432">0x098B716B8Aaf21512996dC57EB0615e2383E2f96,
              0xa0e1c89Ef1a489c9C7dE96311eD5Ce5D32c20E4B</VersionDetail>
          </FeatureVersion>
        </Feature>
        <Feature ID="26101" FeatureTypeID="345">
          <FeatureVersion ID="24002" ReliabilityID="1"><Comment />
            <VersionDetail DetailTypeID="1432">See OFAC website for updated address</VersionDetail>
          </FeatureVersion>
        </Feature>
      </Profile>
    </DistinctParty>
    <DistinctParty FixedRef="1002"><Comment />
      <Profile ID="1002" PartySubTypeID="4">
        <Identity ID="5002" FixedRef="1002" Primary="true" False="false">
          <Alias FixedRef="1002" AliasTypeID="1403" Primary="true" LowQuality="false">
            <DocumentedName ID="7002" FixedRef="1002" DocNameStatusID="1">
              <DocumentedNamePart><NamePartValue>Khorashadizadeh</NamePartValue></DocumentedNamePart>
              <DocumentedNamePart><NamePartValue>Ali</NamePartValue></DocumentedNamePart>
            </DocumentedName>
          </Alias>
        </Identity>
        <Feature ID="26200" FeatureTypeID="8">
          <FeatureVersion ID="24010" ReliabilityID="1">
            <VersionDetail DetailTypeID="1430">1984</VersionDetail>
          </FeatureVersion>
        </Feature>
        <Feature ID="26201" FeatureTypeID="344">
          <FeatureVersion ID="24011" ReliabilityID="1">
            <VersionDetail DetailTypeID="1432">149w62rY42aZBox8fGcmqNsXUzSStKeq8C</VersionDetail>
          </FeatureVersion>
        </Feature>
      </Profile>
    </DistinctParty>
  </DistinctParties>
</Sanctions>
"""

CLASSIC_XML = b"""<?xml version="1.0" standalone="yes"?>
<sdnList xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML">
  <publshInformation><Publish_Date>09/18/2026</Publish_Date><Record_Count>2</Record_Count>
  </publshInformation>
  <sdnEntry>
    <uid>1</uid><lastName>GHORBANIYAN</lastName><firstName>Mohammad</firstName>
    <sdnType>Individual</sdnType><programList><program>CYBER2</program></programList>
    <idList>
      <id><uid>2</uid><idType>Digital Currency Address - XBT</idType>
          <idNumber>1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V</idNumber></id>
      <id><uid>3</uid><idType>Gender</idType><idNumber>Male</idNumber></id>
    </idList>
  </sdnEntry>
  <sdnEntry>
    <uid>4</uid><lastName>CHATEX</lastName><sdnType>Entity</sdnType>
    <idList>
      <id><uid>5</uid><idType>Digital Currency Address - ETH</idType>
          <idNumber>0x6F1cA141A28907F78Ebaa64fb83A9088b02A8352</idNumber></id>
    </idList>
  </sdnEntry>
</sdnList>
"""

# sdn.csv: 12 columns, no header row, "-0- " for empty fields, addresses in the remarks.
SDN_CSV = (
    b'1,"GHORBANIYAN, Mohammad","individual","CYBER2",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    b'"Digital Currency Address - XBT 1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V; Gender Male."\n'
    b'4,"CHATEX","-0- ","CYBER2",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    b'"Digital Currency Address - ETH 0x6F1cA141A28907F78Ebaa64fb83A9088b02A8352; alt. '
    b"Digital Currency Address - XBT "
    b'bc1qw7vfgv3r5vnehafl0y95sclg3uqsj87wxs9ad628yjjcq33cwessr6ndyw."\n'
)


def shipped() -> list[tuple[str, str]]:
    """(address, currencies) of every line of the shipped snapshot."""
    lines = screening.SANCTIONS_FILE.read_text().splitlines()
    return [
        (line.split("#")[0].strip(), line.split("#")[1].split()[0])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_shipped_snapshot_names_its_source_and_date():
    header = [
        line for line in screening.SANCTIONS_FILE.read_text().splitlines() if line.startswith("#")
    ]
    assert "OFAC Specially Designated Nationals (SDN)" in header[0]
    assert any("sdn_advanced.xml" in line for line in header)
    assert "# Published: 2026-09-18" in header
    assert len(shipped()) >= 40


def test_every_shipped_address_passes_its_own_checksum():
    """A mistyped character would fail: EIP-55 capitals, Base58Check or bech32."""
    for address, currencies in shipped():
        if address.startswith("0x"):
            assert to_checksum_address(address) == address, address
        elif address.startswith(("bc1", "ltc1")):
            SegwitBech32Decoder.Decode(address.split("1")[0], address)
        else:
            Base58Decoder.CheckDecode(address)
        assert set(currencies.split(",")) <= {"XBT", "ETH", "LTC", "USDT", "TRX"}


def test_shipped_addresses_are_matched_in_any_case():
    assert RONIN_EXPLOITER.lower() in screening.sanctioned_addresses()
    assert is_flagged([RONIN_EXPLOITER.lower()], deny_list=[])
    assert is_flagged(["ltc1qr8ntsedq8tv0svmxqhzvdcdl5k7kntdmnhwep7"], deny_list=[])
    assert not is_flagged(["rltc1qsomeonehonest"], deny_list=[])


def test_the_merchant_deny_list_is_matched_in_any_case_and_spacing():
    assert is_flagged(
        ["0xAbC0000000000000000000000000000000000001"],
        deny_list=[" 0xabc0000000000000000000000000000000000001 "],
    )
    assert not is_flagged([], deny_list=["anything"])


def test_parse_the_advanced_xml():
    listings, published = parse_sdn(BytesIO(ADVANCED_XML))
    assert published == "2026-09-18"
    assert sorted(listings) == [
        Listing("ETH", RONIN_EXPLOITER, "Lazarus Group"),
        Listing("ETH", "0xa0e1c89Ef1a489c9C7dE96311eD5Ce5D32c20E4B", "Lazarus Group"),
        Listing("XBT", "149w62rY42aZBox8fGcmqNsXUzSStKeq8C", "Khorashadizadeh Ali"),
    ]


def test_parse_the_classic_xml():
    listings, published = parse_sdn(BytesIO(CLASSIC_XML))
    assert published == "2026-09-18"
    assert listings == [
        Listing("XBT", "1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V", "GHORBANIYAN Mohammad"),
        Listing("ETH", "0x6F1cA141A28907F78Ebaa64fb83A9088b02A8352", "CHATEX"),
    ]


def test_parse_the_csv():
    listings, published = parse_sdn(BytesIO(SDN_CSV))
    assert published == ""
    assert listings == [
        Listing("XBT", "1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V", "GHORBANIYAN, Mohammad"),
        Listing("ETH", "0x6F1cA141A28907F78Ebaa64fb83A9088b02A8352", "CHATEX"),
        Listing("XBT", "bc1qw7vfgv3r5vnehafl0y95sclg3uqsj87wxs9ad628yjjcq33cwessr6ndyw", "CHATEX"),
    ]


@pytest.fixture
def snapshot(tmp_path, monkeypatch):
    """A copy of the shipped file for the test to rewrite."""
    path = tmp_path / "sanctioned_addresses.txt"
    shutil.copy(screening.SANCTIONS_FILE, path)
    monkeypatch.setattr(screening, "SANCTIONS_FILE", path)
    return path


def test_refresh_from_a_file_rewrites_the_list_and_screening_sees_it_at_once(snapshot, tmp_path):
    assert not is_flagged(["149w62rY42aZBox8fGcmqNsXUzSStKeq8X"], deny_list=[])
    source = tmp_path / "sdn_advanced.xml"
    source.write_bytes(ADVANCED_XML)
    out = StringIO()
    call_command("refresh_sanctions", "--file", str(source), stdout=out)
    assert "3 addresses" in out.getvalue()
    text = snapshot.read_text()
    assert "# Published: 2026-09-18" in text and f"# Source: {source}" in text
    assert re.search(rf"^{RONIN_EXPLOITER}  # ETH Lazarus Group$", text, re.M)
    assert screening.sanctioned_addresses() == {
        RONIN_EXPLOITER.lower(),
        "0xa0e1c89ef1a489c9c7de96311ed5ce5d32c20e4b",
        "149w62ry42azbox8fgcmqnsxuzsstkeq8c",
    }  # read again: no restart needed
    assert not is_flagged(["ltc1qr8ntsedq8tv0svmxqhzvdcdl5k7kntdmnhwep7"], deny_list=[])


def test_refresh_refuses_a_file_without_addresses(snapshot, tmp_path):
    before = snapshot.read_text()
    source = tmp_path / "wrong.xml"
    source.write_bytes(b"<sdnList><sdnEntry><lastName>X</lastName></sdnEntry></sdnList>")
    with pytest.raises(CommandError, match="no digital currency addresses"):
        call_command("refresh_sanctions", "--file", str(source))
    assert snapshot.read_text() == before


@responses.activate
def test_refresh_downloads_the_list(snapshot):
    url = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.XML"
    responses.add(responses.GET, url, body=CLASSIC_XML)
    call_command("refresh_sanctions", "--url", url, stdout=StringIO())
    assert screening.sanctioned_addresses() == {
        "1ajzpmsnmpdk2rv9kqnfmurtxinscvro9v",
        "0x6f1ca141a28907f78ebaa64fb83a9088b02a8352",
    }
