"""The sum subnet's protocol: a validator sends two integers, a miner returns their sum.

Written only against the public API of bittensor 10.5.0, as the subnet template uses it.
"""

from typing import Optional

import bittensor as bt


class Sum(bt.Synapse):
    """A query: `a + b`, answered in `result`."""

    a: int
    b: int
    result: Optional[int] = None

    def deserialize(self) -> Optional[int]:
        return self.result
