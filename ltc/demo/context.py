"""The state of one demo build: the seeded random source, the anchor date and what exists so far."""
import datetime
import random
from decimal import ROUND_HALF_UP, Decimal

from .names import GIVEN, SURNAMES
from .writer import Writer

CENT = Decimal('0.01')


def money(value):
    """Round VALUE to cents, half up (how MoneyField stores it)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class Demo:
    """Everything a demo build shares: rng, today, the writer and the rows built so far."""

    def __init__(self, seed, today, customers):
        self.seed = seed
        self.rng = random.Random(seed)
        self.today = today
        self.size = customers
        self.writer = Writer(today)
        self.departments = {}   # key -> row
        self.users = []         # rows, with _role and _branch notes
        self.products = []
        self.campaigns = []
        self.pools = {}         # region key -> pool row (or the default pool's id)
        self.counters = {}

    def date_ago(self, days):
        return self.today - datetime.timedelta(days=days)

    def time_ago(self, days):
        """Return a working-hours timestamp DAYS before today."""
        day = self.today - datetime.timedelta(days=days)
        moment = datetime.datetime.combine(day, datetime.time(self.rng.randint(9, 17), self.rng.randrange(60)))
        return min(moment, self.writer.latest)

    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def weighted(self, items, weights):
        return self.rng.choices(items, weights)[0]

    def person(self):
        """Return (Chinese name, English name, gender, surname pinyin, given pinyin)."""
        sur, sur_en = self.pick(SURNAMES)
        given, given_en, gender = self.pick(GIVEN)
        return sur + given, f'{sur_en} {given_en}', gender, sur_en.lower(), given_en.lower()

    def mobile(self):
        return f'1{self.pick("3456789")}{self.rng.randrange(10 ** 9):09d}'

    def amount(self, low, high, step):
        """Return a round Decimal amount between LOW and HIGH in multiples of STEP."""
        return Decimal(self.rng.randrange(low // step, high // step + 1) * step)

    def sales_in(self, branch):
        return [u for u in self.users if u['_branch'] == branch and u['_role'] == 'sales']

    def users_with(self, role):
        return [u for u in self.users if u['_role'] == role]

    def cycle(self, i, values, weights=None):
        """Return values[i] for the first len(values) calls (every value appears), then a random one."""
        if i < len(values):
            return values[i]
        return self.weighted(values, weights) if weights else self.pick(values)
