using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ObjectOS.Storage.Testing;

/// <summary>
/// Model-based random test: seeded sequences of Set/Get/Delete/Keys/Clear/Exists/TTL across several scopes, with
/// TTLs and passing time, compared step by step with a trivial dictionary model. On a real clock (Redis) the
/// model tolerates the instants where expiry is undecidable from outside and learns the outcome. A failure names
/// the seed; set OBJECTOS_MODEL_SEED to replay one.
/// </summary>
public abstract class StorageModelTests : StorageTestBase
{
    private static readonly string?[] Scopes = [null, "p1", "p1.x", "p2"];
    private static readonly string[] KeyPool = ["a", "b", "ab", "a:b", "b:a", "x*", "q?", "[c]", "ü", "😀", "x\ny", "a b", "long:key:name"];
    private static readonly string[] PatternPool = ["*", "a*", "*b", "?", "??", "a:*", "*:*", "[ab]*", "[!a]*", "x\\*", "*\n*", "p1:*", "p1.x:*", "😀", "*a*b*"];

    /// <summary>How many seeded runs to make.</summary>
    protected virtual int Runs => UsesFakeTime ? 25 : 4;

    /// <summary>Operations per run.</summary>
    protected virtual int StepsPerRun => UsesFakeTime ? 250 : 120;

    /// <summary>How far apart the local and server clocks may be judged, on a real clock.</summary>
    protected virtual TimeSpan ClockTolerance => TimeSpan.FromMilliseconds(25);

    private sealed record ModelEntry(string Json, DateTimeOffset? EarliestExpiry, DateTimeOffset? LatestExpiry);

    private enum Liveness { Live, Expired, Unknown }

    [Fact]
    public virtual async Task Random_operation_sequences_match_the_model()
    {
        var fixedSeed = Environment.GetEnvironmentVariable("OBJECTOS_MODEL_SEED");
        var seeds = fixedSeed is null
            ? Enumerable.Range(0, Runs).Select(i => Random.Shared.Next())
            : [int.Parse(fixedSeed, CultureInfo.InvariantCulture)];

        foreach (var seed in seeds)
        {
            await RunAsync(seed);
        }
    }

    private DateTimeOffset Now => UsesFakeTime ? Time.GetUtcNow() : DateTimeOffset.UtcNow;

    private async Task RunAsync(int seed)
    {
        var random = new Random(seed);
        await using var storage = new StoragePlugin(CreateBackend(Time));
        var model = new Dictionary<string, ModelEntry>(StringComparer.Ordinal);
        var log = new StringBuilder();

        for (var step = 0; step < StepsPerRun; step++)
        {
            var scopeId = Scopes[random.Next(Scopes.Length)];
            IKeyValueStore store = scopeId is null ? storage : storage.GetScopedStorage(scopeId);
            var prefix = scopeId is null ? "" : scopeId + ":";
            var key = KeyPool[random.Next(KeyPool.Length)];
            var physical = prefix + key;
            var op = random.Next(100);
            string description = "";
            try
            {
                if (op < 30)
                {
                    var value = random.Next(1000);
                    TimeSpan? ttl = random.Next(3) == 0 ? RandomTtl(random) : null;
                    description = $"Set({Show(scopeId)}, {Show(key)}, {value}, ttl={ttl?.TotalMilliseconds}ms)";
                    var before = Now;
                    await store.SetAsync(key, value, ttl);
                    var after = Now;
                    model[physical] = ttl is { } t ? new ModelEntry(value.ToString(CultureInfo.InvariantCulture), before + t, after + t) : new ModelEntry(value.ToString(CultureInfo.InvariantCulture), null, null);
                }
                else if (op < 50)
                {
                    description = $"Get({Show(scopeId)}, {Show(key)})";
                    var (before, result, after) = await Observe(() => store.TryGetAsync<int>(key).AsTask());
                    var liveness = Judge(model, physical, before, after);
                    if (liveness == Liveness.Live)
                    {
                        Assert.True(result.Found, "expected a live value");
                        Assert.Equal(model[physical].Json, result.Value.ToString(CultureInfo.InvariantCulture));
                    }
                    else if (liveness == Liveness.Expired)
                    {
                        Assert.False(result.Found, $"expected no value, got {result.Value}");
                    }
                    else
                    {
                        Learn(model, physical, result.Found);
                        if (result.Found)
                        {
                            Assert.Equal(model[physical].Json, result.Value.ToString(CultureInfo.InvariantCulture));
                        }
                    }
                }
                else if (op < 60)
                {
                    description = $"Delete({Show(scopeId)}, {Show(key)})";
                    var (before, removed, after) = await Observe(() => store.DeleteAsync(key).AsTask());
                    var liveness = Judge(model, physical, before, after);
                    if (liveness != Liveness.Unknown)
                    {
                        Assert.Equal(liveness == Liveness.Live, removed);
                    }

                    model.Remove(physical);
                }
                else if (op < 68)
                {
                    description = $"Exists({Show(scopeId)}, {Show(key)})";
                    var (before, exists, after) = await Observe(() => store.ExistsAsync(key).AsTask());
                    var liveness = Judge(model, physical, before, after);
                    if (liveness == Liveness.Unknown)
                    {
                        Learn(model, physical, exists);
                    }
                    else
                    {
                        Assert.Equal(liveness == Liveness.Live, exists);
                    }
                }
                else if (op < 82)
                {
                    var pattern = PatternPool[random.Next(PatternPool.Length)];
                    description = $"Keys({Show(scopeId)}, {Show(pattern)})";
                    var (before, keys, after) = await Observe(() => store.KeysAsync(pattern));
                    Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
                    Assert.Equal(keys.Distinct().Count(), keys.Count);
                    var seen = keys.ToHashSet(StringComparer.Ordinal);
                    foreach (var (candidate, _) in model.ToList())
                    {
                        if (!candidate.StartsWith(prefix, StringComparison.Ordinal) || !NaiveGlob.IsMatch(pattern, candidate[prefix.Length..]))
                        {
                            continue;
                        }

                        var relative = candidate[prefix.Length..];
                        var liveness = Judge(model, candidate, before, after);
                        if (liveness == Liveness.Unknown)
                        {
                            Learn(model, candidate, seen.Contains(relative));
                        }
                        else
                        {
                            Assert.True((liveness == Liveness.Live) == seen.Contains(relative), $"key {Show(relative)} expected {liveness}");
                        }

                        seen.Remove(relative);
                    }

                    Assert.True(seen.Count == 0, $"listed keys the model does not have: {string.Join(", ", seen.Select(Show))}");
                }
                else if (op < 86)
                {
                    description = $"Clear({Show(scopeId)})";
                    var (before, count, after) = await Observe(() => store.ClearAsync());
                    var covered = model.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
                    var certain = covered.Count(k => Judge(model, k, before, after) == Liveness.Live);
                    var possible = covered.Count(k => Judge(model, k, before, after) != Liveness.Expired);
                    Assert.InRange(count, certain, possible);
                    foreach (var k in covered)
                    {
                        model.Remove(k);
                    }
                }
                else if (op < 90)
                {
                    description = $"Ttl({Show(scopeId)}, {Show(key)})";
                    var (before, ttl, after) = await Observe(() => store.GetTimeToLiveAsync(key).AsTask());
                    var liveness = Judge(model, physical, before, after);
                    if (liveness == Liveness.Unknown)
                    {
                        Learn(model, physical, ttl is not null);
                    }
                    else if (liveness == Liveness.Expired)
                    {
                        Assert.Null(ttl);
                    }
                    else if (model[physical].LatestExpiry is null)
                    {
                        Assert.Equal(Timeout.InfiniteTimeSpan, ttl);
                    }
                    else
                    {
                        Assert.NotNull(ttl);
                        Assert.True(ttl > TimeSpan.Zero, $"ttl {ttl}");
                        Assert.True(before + ttl.Value <= model[physical].LatestExpiry!.Value + ClockTolerance + TimeSpan.FromMilliseconds(1), $"ttl {ttl} too long");
                    }
                }
                else
                {
                    var advance = UsesFakeTime
                        ? TimeSpan.FromMilliseconds(random.Next(1, 4000))
                        : TimeSpan.FromMilliseconds(random.Next(1, 250));
                    description = $"Advance({advance.TotalMilliseconds}ms)";
                    await AdvanceAsync(advance);
                }

                log.AppendLine(CultureInfo.InvariantCulture, $"{step}: {description}");
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException(
                    $"Model test failed with seed {seed} (replay with OBJECTOS_MODEL_SEED={seed}) at step {step}: {description}\n" +
                    $"{ex.Message}\nLast steps:\n{string.Join('\n', log.ToString().Split('\n').TakeLast(15))}");
            }
        }
    }

    private TimeSpan RandomTtl(Random random) => UsesFakeTime
        ? TimeSpan.FromMilliseconds(random.Next(1, 6000))
        : TimeSpan.FromMilliseconds(random.Next(50, 800));

    private async Task<(DateTimeOffset Before, T Result, DateTimeOffset After)> Observe<T>(Func<Task<T>> action)
    {
        var before = Now;
        var result = await action();
        return (before, result, Now);
    }

    private Liveness Judge(Dictionary<string, ModelEntry> model, string physical, DateTimeOffset before, DateTimeOffset after)
    {
        if (!model.TryGetValue(physical, out var entry))
        {
            return Liveness.Expired;
        }

        if (entry.EarliestExpiry is null)
        {
            return Liveness.Live;
        }

        var tolerance = UsesFakeTime ? TimeSpan.Zero : ClockTolerance;
        // Backends keep whole milliseconds, rounded up.
        var earliest = entry.EarliestExpiry.Value;
        var latest = entry.LatestExpiry!.Value + TimeSpan.FromMilliseconds(1);
        if (after < earliest - tolerance)
        {
            return Liveness.Live;
        }

        if (before >= latest + tolerance)
        {
            return Liveness.Expired;
        }

        return Liveness.Unknown;
    }

    private static void Learn(Dictionary<string, ModelEntry> model, string physical, bool observedLive)
    {
        if (!observedLive)
        {
            model.Remove(physical);
        }
    }

    private static string Show(string? text) => text is null ? "root" : "\"" + text.Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}

/// <summary>An independent, deliberately naive glob matcher (recursive, rune by rune) used as the model's oracle.</summary>
public static class NaiveGlob
{
    /// <summary>Whether <paramref name="text"/> matches <paramref name="pattern"/> under the documented grammar.</summary>
    public static bool IsMatch(string pattern, string text)
        => Match(pattern.EnumerateRunes().ToArray(), 0, text.EnumerateRunes().ToArray(), 0);

    private static bool Match(Rune[] p, int pi, Rune[] t, int ti)
    {
        if (pi == p.Length)
        {
            return ti == t.Length;
        }

        var c = p[pi].Value;
        if (c == '*')
        {
            for (var k = ti; k <= t.Length; k++)
            {
                if (Match(p, pi + 1, t, k))
                {
                    return true;
                }
            }

            return false;
        }

        if (ti == t.Length)
        {
            return false;
        }

        if (c == '?')
        {
            return Match(p, pi + 1, t, ti + 1);
        }

        if (c == '\\')
        {
            return p[pi + 1] == t[ti] && Match(p, pi + 2, t, ti + 1);
        }

        if (c == '[')
        {
            var i = pi + 1;
            var negate = i < p.Length && (p[i].Value == '!' || p[i].Value == '^');
            if (negate)
            {
                i++;
            }

            var matched = false;
            var first = true;
            while (p[i].Value != ']' || first)
            {
                first = false;
                var lo = p[i].Value == '\\' ? p[++i] : p[i];
                var hi = lo;
                if (i + 2 < p.Length && p[i + 1].Value == '-' && p[i + 2].Value != ']')
                {
                    i += 2;
                    hi = p[i].Value == '\\' ? p[++i] : p[i];
                }

                matched |= t[ti] >= lo && t[ti] <= hi;
                i++;
            }

            return matched != negate && Match(p, i + 1, t, ti + 1);
        }

        return p[pi] == t[ti] && Match(p, pi + 1, t, ti + 1);
    }
}
