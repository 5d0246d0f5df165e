"""Bots are not visitors: user agents on the maintained crawler list (PyPI
``crawler-user-agents``, module ``crawleruseragents``) and requests without one are skipped.

The list is one large set of regular expressions; a site sees the same few hundred user
agents over and over, so the answer is remembered per user agent (an LRU of
:data:`MEMO_SIZE` entries, in this process's memory only, never written anywhere).
"""

import functools

import crawleruseragents

MEMO_SIZE = 4096


@functools.lru_cache(maxsize=MEMO_SIZE)
def _listed(user_agent):
    return crawleruseragents.is_crawler(user_agent)


def is_bot(user_agent):
    """Whether a request with this ``User-Agent`` is a crawler's (or has none at all)."""
    if not user_agent or not user_agent.strip():
        return True
    return _listed(user_agent)
