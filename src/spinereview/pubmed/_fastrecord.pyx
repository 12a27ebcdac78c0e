# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Compiled record builder: ``parse._record`` for lxml elements, reading libxml2's nodes directly.

``record(article)`` returns the same dict as ``parse._record(path, article, line)`` or None, and None
means "ask the Python builder": for an element that is not an lxml element (the expat path), for a
missing or non-numeric PMID (so the error is raised by the reference code, word for word), and for
any node the reference code could read differently from a plain reading of the tree (a comment, a
processing instruction, an entity reference or XInclude marker among the nodes visited, or a DTD
that declares attribute defaults). The iterparse options of ``parse._top_level`` remove comments
and processing instructions and never load a DTD, so in a run the fallback is the error path only.

Texts are collected as UTF-8 from the text and CDATA nodes of a subtree in document order (what
lxml's ``itertext`` yields when none of the nodes above occur) and their whitespace runs collapsed
in the bytes, with Python's definition of whitespace (``str.split()``), before one decode.
"""

from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.stdlib cimport free, realloc
from libc.string cimport memcpy, memmove, strcmp, strlen

cimport lxml.includes.etreepublic as cetree
from lxml.includes cimport tree
from lxml.includes.tree cimport const_xmlChar, xmlAttr, xmlNode

cetree.import_lxml__etree()

#: The lxml version whose headers this module was compiled against (``lxml.etree.__version__``).
LXML_VERSION = (<bytes>cetree.LXML_VERSION_STRING).decode("ascii")

cdef object _month_number = None
cdef object _parse_medline_date = None
cdef dict _months = {}  # month_number's answers, for the few month texts there are


def bind(month_number, parse_medline_date):
    """Hand over the reference month and MedlineDate readers of ``parse`` (used as they are)."""
    global _month_number, _parse_medline_date
    _month_number = month_number
    _parse_medline_date = parse_medline_date
    _months.clear()


cdef object _month(str text):
    """``month_number(text)``, remembered for up to 1,000 distinct texts (it is a pure function)."""
    try:
        return _months[text]
    except KeyError:
        number = _month_number(text)
        if len(_months) < 1000:
            _months[text] = number
        return number


# ---------------------------------------------------------------------------------------------
# a growable byte buffer for the texts of a subtree

cdef char* _buf = NULL
cdef Py_ssize_t _len = 0
cdef Py_ssize_t _cap = 0


cdef int _reserve(Py_ssize_t extra) except -1:
    global _buf, _cap
    cdef Py_ssize_t want = _len + extra + 1
    cdef char* grown
    if want <= _cap:
        return 0
    if want < 2 * _cap:
        want = 2 * _cap
    if want < 4096:
        want = 4096
    grown = <char*>realloc(_buf, want)
    if grown == NULL:
        raise MemoryError()
    _buf, _cap = grown, want
    return 0


cdef int _append(const_xmlChar* text) except -1:
    global _len
    cdef Py_ssize_t n
    if text == NULL:
        return 0
    n = strlen(<const char*>text)
    _reserve(n)
    memcpy(_buf + _len, text, n)
    _len += n
    return 0


cdef inline Py_ssize_t _space(const unsigned char* s, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    """Length in bytes of the whitespace character at s[i] (``str.isspace``), or 0."""
    cdef unsigned char c = s[i]
    if c < 0x80:
        return 1 if (c == 0x20 or 0x09 <= c <= 0x0D or 0x1C <= c <= 0x1F) else 0
    if c == 0xC2:
        if i + 1 < n and (s[i + 1] == 0x85 or s[i + 1] == 0xA0):
            return 2
        return 0
    if c == 0xE1:
        if i + 2 < n and s[i + 1] == 0x9A and s[i + 2] == 0x80:  # U+1680
            return 3
        return 0
    if c == 0xE2:
        if i + 2 < n:
            if s[i + 1] == 0x80:  # U+2000..U+200A, U+2028, U+2029, U+202F
                if 0x80 <= s[i + 2] <= 0x8A or s[i + 2] == 0xA8 or s[i + 2] == 0xA9 or s[i + 2] == 0xAF:
                    return 3
            elif s[i + 1] == 0x81 and s[i + 2] == 0x9F:  # U+205F
                return 3
        return 0
    if c == 0xE3:
        if i + 2 < n and s[i + 1] == 0x80 and s[i + 2] == 0x80:  # U+3000
            return 3
    return 0


# the first byte of a UTF-8 character: 0 never whitespace, 1 ASCII whitespace, 2 maybe (see _space)
cdef unsigned char _KIND[256]


cdef void _init_kinds() noexcept:
    cdef int c
    for c in range(256):
        _KIND[c] = 0
    for c in (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20):
        _KIND[c] = 1
    for c in (0xC2, 0xE1, 0xE2, 0xE3):
        _KIND[c] = 2


_init_kinds()


cdef str _collapse(const char* text, Py_ssize_t n):
    """``" ".join(text.split())`` of the UTF-8 bytes ``text[:n]``, decoded; writes into ``_buf``."""
    cdef const unsigned char* s = <const unsigned char*>text
    cdef Py_ssize_t i = 0, out = 0, w, start
    cdef bint gap = False
    cdef unsigned char kind
    cdef char* dst
    if n == 0:
        return ""
    # the collapsed text is never longer than the input; it may overlap the input only when the
    # input is _buf itself, and then out <= i always holds, so writing behind the reader is safe
    if text != _buf:
        _reset()
        _reserve(n)
    dst = _buf
    while i < n:
        kind = _KIND[s[i]]
        if kind == 1:
            gap = True
            i += 1
            continue
        if kind == 2:
            w = _space(s, i, n)
            if w:
                gap = True
                i += w
                continue
        # a run of bytes that start no whitespace character (the first one may start a
        # multibyte character that is not whitespace; its continuation bytes are kind 0)
        if gap and out:
            dst[out] = 32
            out += 1
        gap = False
        start = i
        i += 1
        while i < n and _KIND[s[i]] == 0:
            i += 1
        memmove(dst + out, s + start, i - start)
        out += i - start
    return PyUnicode_DecodeUTF8(dst, out, NULL)


cdef inline void _reset() noexcept:
    global _len
    _len = 0


# ---------------------------------------------------------------------------------------------
# nodes

cdef inline bint _is(xmlNode* node, const char* name) noexcept:
    """Whether ``node`` is an element whose lxml tag is ``name`` (no namespace URI)."""
    return (
        node.type == tree.XML_ELEMENT_NODE
        and node.name[0] == name[0]  # most names differ in the first letter: no strcmp call
        and (node.ns == NULL or node.ns.href == NULL)
        and strcmp(<const char*>node.name, name) == 0
    )


cdef inline void _check(xmlNode* node, int* odd) noexcept:
    """Note a child that is neither an element nor text (lxml iterates those, or skips them)."""
    if node.type != tree.XML_ELEMENT_NODE and node.type != tree.XML_TEXT_NODE \
            and node.type != tree.XML_CDATA_SECTION_NODE:
        odd[0] = 1


cdef int _gather(xmlNode* top, int* odd) except -1:
    """Append the text and CDATA nodes under ``top`` to ``_buf``, in document order."""
    cdef xmlNode* node = top.children
    while node != NULL:
        if node.type == tree.XML_TEXT_NODE or node.type == tree.XML_CDATA_SECTION_NODE:
            _append(node.content)
        elif node.type == tree.XML_ELEMENT_NODE:
            if node.children != NULL:
                node = node.children
                continue
        else:
            odd[0] = 1
        while node.next == NULL:
            node = node.parent
            if node == top or node == NULL:
                return 0
        node = node.next
    return 0


cdef str _text(xmlNode* node, int* odd):
    """``parse.full_text`` of the element (``""`` for NULL)."""
    cdef xmlNode* only
    if node == NULL:
        return ""
    only = node.children
    if only == NULL:
        return ""
    if only.next == NULL and (
        only.type == tree.XML_TEXT_NODE or only.type == tree.XML_CDATA_SECTION_NODE
    ):
        if only.content == NULL:
            return ""
        return _collapse(<const char*>only.content, strlen(<const char*>only.content))
    _reset()
    _gather(node, odd)
    return _collapse(_buf, _len)


cdef object _text_or_none(xmlNode* node, int* odd):
    text = _text(node, odd)
    return text if text else None


cdef xmlAttr* _attr(xmlNode* node, const char* name) noexcept:
    cdef xmlAttr* attr = node.properties
    while attr != NULL:
        if attr.ns == NULL and strcmp(<const char*>attr.name, name) == 0:
            return attr
        attr = attr.next
    return NULL


cdef object _get(xmlNode* node, const char* name, default, int* odd):
    """``element.get(name, default)``: the attribute's value without a namespace, else default."""
    cdef xmlAttr* attr = _attr(node, name)
    cdef xmlNode* part
    if attr == NULL:
        return default
    part = attr.children
    if part == NULL:
        return ""
    if part.next == NULL and part.type == tree.XML_TEXT_NODE and part.content != NULL:
        return PyUnicode_DecodeUTF8(<const char*>part.content, strlen(<const char*>part.content), NULL)
    _reset()
    while part != NULL:
        if part.type == tree.XML_TEXT_NODE or part.type == tree.XML_CDATA_SECTION_NODE:
            _append(part.content)
        else:
            odd[0] = 1
        part = part.next
    return PyUnicode_DecodeUTF8(_buf, _len, NULL)


cdef bint _plain_document(xmlNode* node) noexcept:
    """No DTD declares attribute defaults (libxml2 would return those as attribute values)."""
    cdef tree.xmlDoc* doc = node.doc
    if doc == NULL:
        return True
    if doc.intSubset != NULL and doc.intSubset.attributes != NULL:
        return False
    if doc.extSubset != NULL and doc.extSubset.attributes != NULL:
        return False
    return True


cdef bint _digits(str text) noexcept:
    """``[0-9]+`` matches the whole text (ASCII digits only, as ``re`` reads ``[0-9]``)."""
    cdef Py_UCS4 c
    if not text:
        return False
    for c in text:
        if c < 48 or c > 57:
            return False
    return True


# ---------------------------------------------------------------------------------------------
# the record

def record(article):
    """The record dict of ``parse._record`` for the lxml element ``article``, or None (see above)."""
    cdef xmlNode* root
    cdef xmlNode* child
    cdef xmlNode* sub
    cdef xmlNode* node
    cdef xmlNode* part
    cdef xmlNode* citation = NULL
    cdef xmlNode* pmid_node = NULL
    cdef xmlNode* art = NULL
    cdef xmlNode* journal = NULL
    cdef xmlNode* title = NULL
    cdef xmlNode* vernacular = NULL
    cdef xmlNode* journal_title = NULL
    cdef xmlNode* journal_iso = NULL
    cdef xmlNode* volume = NULL
    cdef xmlNode* number = NULL
    cdef xmlNode* pub_date = NULL
    cdef xmlNode* medline_pgn = NULL
    cdef xmlNode* start_page = NULL
    cdef xmlNode* end_page = NULL
    cdef xmlNode* medline_date = NULL
    cdef xmlNode* year_node = NULL
    cdef xmlNode* month_node = NULL
    cdef xmlNode* descriptor
    cdef bint medline_ta_found = False
    cdef bint complete = True
    cdef bint date_ok
    cdef int field

    if not isinstance(article, cetree._Element):
        return None
    root = (<cetree._Element>article)._c_node
    if root == NULL or root.type != tree.XML_ELEMENT_NODE or not _plain_document(root):
        return None
    cdef int odd = 0  # set when a node the plain reading cannot vouch for was visited

    # PubmedArticle: the first MedlineCitation, the first PMID of any MedlineCitation
    child = root.children
    while child != NULL:
        _check(child, &odd)
        if _is(child, "MedlineCitation"):
            if citation == NULL:
                citation = child
            if pmid_node == NULL:
                sub = child.children
                while sub != NULL:
                    _check(sub, &odd)
                    if _is(sub, "PMID"):
                        pmid_node = sub
                        break
                    sub = sub.next
        child = child.next
    pmid = _text(pmid_node, &odd)
    if odd or not _digits(pmid):
        return None  # the Python builder raises the error, or reads the unusual nodes

    # MedlineCitation
    medline_ta = None
    mesh = []
    keywords = []
    child = citation.children if citation != NULL else NULL
    while child != NULL:
        _check(child, &odd)
        if _is(child, "Article"):
            if art == NULL:
                art = child
        elif _is(child, "MedlineJournalInfo"):
            sub = child.children
            while sub != NULL:
                _check(sub, &odd)
                if not medline_ta_found and _is(sub, "MedlineTA"):
                    medline_ta = _text_or_none(sub, &odd)
                    medline_ta_found = True
                sub = sub.next
        elif _is(child, "MeshHeadingList"):
            sub = child.children
            while sub != NULL:
                _check(sub, &odd)
                if _is(sub, "MeshHeading"):
                    descriptor = NULL
                    part = sub.children
                    while part != NULL:
                        _check(part, &odd)
                        if descriptor == NULL and _is(part, "DescriptorName"):
                            descriptor = part
                        part = part.next
                    name = _text(descriptor, &odd)
                    if name:
                        qualifiers = []
                        part = sub.children
                        while part != NULL:
                            if _is(part, "QualifierName"):
                                text = _text(part, &odd)
                                if text:
                                    qualifiers.append(
                                        {
                                            "name": text,
                                            "ui": _get(part, "UI", None, &odd) or None,
                                            "major_topic": _get(part, "MajorTopicYN", None, &odd) == "Y",
                                        }
                                    )
                            part = part.next
                        mesh.append(
                            {
                                "descriptor": name,
                                "descriptor_ui": _get(descriptor, "UI", None, &odd) or None,
                                "major_topic": _get(descriptor, "MajorTopicYN", None, &odd) == "Y",
                                "qualifiers": qualifiers,
                            }
                        )
                sub = sub.next
        elif _is(child, "KeywordList"):
            sub = child.children
            while sub != NULL:
                _check(sub, &odd)
                if _is(sub, "Keyword"):
                    text = _text(sub, &odd)
                    if text:
                        keywords.append(text)
                sub = sub.next
        child = child.next

    # Article
    sections = []
    authors = []
    types = []
    language = []
    child = art.children if art != NULL else NULL
    while child != NULL:
        _check(child, &odd)
        if _is(child, "Journal"):
            if journal == NULL:
                journal = child
        elif _is(child, "ArticleTitle"):
            if title == NULL:
                title = child
        elif _is(child, "VernacularTitle"):
            if vernacular == NULL:
                vernacular = child
        elif _is(child, "Abstract"):
            sub = child.children
            while sub != NULL:
                _check(sub, &odd)
                if _is(sub, "AbstractText"):
                    text = _text(sub, &odd)
                    if text:
                        label = _get(sub, "Label", "", &odd)
                        label = " ".join(label.split()) if label else ""
                        sections.append(
                            {
                                "label": label or None,
                                "nlm_category": _get(sub, "NlmCategory", None, &odd) or None,
                                "text": text,
                            }
                        )
                sub = sub.next
        elif _is(child, "AuthorList"):
            if _get(child, "Type", "authors", &odd) == "authors":
                complete = complete and _get(child, "CompleteYN", "Y", &odd) != "N"
                sub = child.children
                while sub != NULL:
                    _check(sub, &odd)
                    if _is(sub, "Author") and _get(sub, "ValidYN", None, &odd) != "N":
                        last = fore = initials = collective = None
                        seen = 0  # bits: last, fore, initials, collective already read
                        part = sub.children
                        while part != NULL:
                            _check(part, &odd)
                            field = 0
                            if _is(part, "LastName"):
                                field = 1
                            elif _is(part, "ForeName"):
                                field = 2
                            elif _is(part, "Initials"):
                                field = 4
                            elif _is(part, "CollectiveName"):
                                field = 8
                            if field and not (seen & field):
                                seen |= field
                                value = _text_or_none(part, &odd)
                                if field == 1:
                                    last = value
                                elif field == 2:
                                    fore = value
                                elif field == 4:
                                    initials = value
                                else:
                                    collective = value
                            part = part.next
                        authors.append(
                            {
                                "last": last,
                                "fore": fore,
                                "initials": initials,
                                "collective": collective,
                            }
                        )
                    sub = sub.next
        elif _is(child, "Pagination"):
            sub = child.children
            while sub != NULL:
                _check(sub, &odd)
                if medline_pgn == NULL and _is(sub, "MedlinePgn"):
                    medline_pgn = sub
                elif start_page == NULL and _is(sub, "StartPage"):
                    start_page = sub
                elif end_page == NULL and _is(sub, "EndPage"):
                    end_page = sub
                sub = sub.next
        elif _is(child, "PublicationTypeList"):
            sub = child.children
            while sub != NULL:
                _check(sub, &odd)
                if _is(sub, "PublicationType"):
                    text = _text(sub, &odd)
                    if text:
                        types.append(text)
                sub = sub.next
        elif _is(child, "Language"):
            text = _text(child, &odd)
            if text:
                language.append(text)
        child = child.next

    # Journal, JournalIssue
    child = journal.children if journal != NULL else NULL
    while child != NULL:
        _check(child, &odd)
        if _is(child, "JournalIssue"):
            sub = child.children
            while sub != NULL:
                _check(sub, &odd)
                if _is(sub, "Volume"):
                    if volume == NULL:
                        volume = sub
                elif _is(sub, "Issue"):
                    if number == NULL:
                        number = sub
                elif _is(sub, "PubDate") and pub_date == NULL:
                    pub_date = sub
                sub = sub.next
        elif _is(child, "Title"):
            if journal_title == NULL:
                journal_title = child
        elif _is(child, "ISOAbbreviation") and journal_iso == NULL:
            journal_iso = child
        child = child.next

    # PubmedData/ArticleIdList/ArticleId: the first non-empty DOI and PMC id
    doi = pmcid = None
    child = root.children
    while child != NULL:
        if _is(child, "PubmedData"):
            sub = child.children
            while sub != NULL:
                _check(sub, &odd)
                if _is(sub, "ArticleIdList"):
                    part = sub.children
                    while part != NULL:
                        _check(part, &odd)
                        if _is(part, "ArticleId"):
                            kind = _get(part, "IdType", "", &odd)
                            if kind == "doi" and doi is None:
                                doi = _text_or_none(part, &odd)
                            elif kind == "pmc" and pmcid is None:
                                pmcid = _text_or_none(part, &odd)
                        part = part.next
                sub = sub.next
        child = child.next
    if doi is None:
        child = art.children if art != NULL else NULL
        while child != NULL:
            if _is(child, "ELocationID") and _get(child, "EIdType", None, &odd) == "doi":
                doi = _text_or_none(child, &odd)
                if doi is not None:
                    break
            child = child.next

    # PubDate
    if pub_date == NULL:
        year = month = None
        raw = ""
        date_ok = False
    else:
        texts = []
        child = pub_date.children
        while child != NULL:
            _check(child, &odd)
            if child.type == tree.XML_ELEMENT_NODE:
                text = _text(child, &odd)
                if text:
                    texts.append(text)
                if medline_date == NULL and _is(child, "MedlineDate"):
                    medline_date = child
                elif year_node == NULL and _is(child, "Year"):
                    year_node = child
                elif month_node == NULL and _is(child, "Month"):
                    month_node = child
            child = child.next
        raw = " ".join(texts)
        if medline_date != NULL:
            year, month = _parse_medline_date(_text(medline_date, &odd))
            date_ok = year is not None
        else:
            year_text = _text(year_node, &odd)
            year = int(year_text) if len(year_text) == 4 and _digits(year_text) else None
            month_text = _text(month_node, &odd)
            month = _month(month_text) if month_text else None
            date_ok = year is not None and (not month_text or month is not None)

    if sections:
        abstract = "\n".join(
            [f"{s['label']}: {s['text']}" if s["label"] else s["text"] for s in sections]
        )
    else:
        abstract = None
    title_text = _text(title, &odd) or _text(vernacular, &odd)
    journal_text = _text_or_none(journal_title, &odd)
    iso_text = _text_or_none(journal_iso, &odd)
    pages = _text_or_none(medline_pgn, &odd)
    if not pages:
        start = _text_or_none(start_page, &odd)
        end = _text_or_none(end_page, &odd)
        pages = f"{start}-{end}" if start and end else (start or end)
    volume_text = _text_or_none(volume, &odd)
    issue_text = _text_or_none(number, &odd)
    if odd:
        return None

    flags = []
    if not complete:
        flags.append("incomplete_author_list")
    if abstract is None:
        flags.append("missing_abstract")
    if not (journal_text or iso_text or medline_ta):
        flags.append("missing_journal")
    if not title_text:
        flags.append("missing_title")
    if doi is None:
        flags.append("no_doi")
    if not date_ok:
        flags.append("unparsed_date")

    return {
        "pmid": pmid,
        "doi": doi,
        "pmcid": pmcid,
        "title": title_text,
        "abstract": abstract,
        "abstract_sections": sections,
        "authors": authors,
        "authors_complete": complete,
        "journal": journal_text,
        "journal_iso": iso_text,
        "medline_ta": medline_ta,
        "year": year,
        "month": month,
        "pub_date_raw": raw,
        "volume": volume_text,
        "issue": issue_text,
        "pages": pages,
        "publication_types": types,
        "mesh": mesh,
        "keywords": keywords,
        "language": language,
        "flags": flags,
    }


def collapse(text):
    """``" ".join(text.split())`` through the compiled code (for tests)."""
    data = text.encode("utf-8")
    return _collapse(data, len(data))
