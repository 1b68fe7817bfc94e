"""A cache of objects in the process's own memory, for what is keyed by the content revision.

Django's local-memory cache pickles every value it stores and unpickles it on every read, so
that no caller can change what the next one gets. For a quiz question with its options, codes,
sources and rules, that unpickling cost more than anything else on the question page but its
template (a dozen model instances rebuilt per request). `ObjectCache` is the same cache without
the pickling: a read gives the very object stored.

Use it only for values no caller changes (codes.caching.kept: a question, a quiz, the dataset,
read to be shown) and whose key names their content, so that no server ever has to be told to
drop one: each process keeps its own, and a change of content is a new key.
"""

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache


class ObjectCache(LocMemCache):
    """LocMemCache (its expiry, culling and lock) holding the objects themselves."""

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._set(key, value, timeout)
                return True
            return False

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                return default
            value = self._cache[key]
            self._cache.move_to_end(key, last=False)
        return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            self._set(key, value, timeout)

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                raise ValueError(f"Key {key!r} not found")
            value = self._cache[key] + delta
            self._cache[key] = value
            self._cache.move_to_end(key, last=False)
        return value
