using System.Globalization;

namespace ObjectOS.Storage.Cli;

/// <summary>
/// Parses and formats durations the way people type them: <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c>
/// (decimals allowed, e.g. <c>1.5s</c>), a plain number of seconds, or a .NET TimeSpan such as <c>00:01:30</c>.
/// </summary>
internal static class Duration
{
    private static readonly (string Suffix, double Milliseconds)[] Units =
    [
        ("ms", 1),
        ("s", 1_000),
        ("sec", 1_000),
        ("m", 60_000),
        ("min", 60_000),
        ("h", 3_600_000),
        ("d", 86_400_000),
        ("w", 604_800_000),
    ];

    /// <summary>Tries to parse <paramref name="text"/> as a duration.</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        if (s.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out duration);
        }

        var split = s.Length;
        while (split > 0 && char.IsAsciiLetter(s[split - 1]))
        {
            split--;
        }

        var number = s[..split].TrimEnd();
        var unit = s[split..];
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            || double.IsNaN(value) || double.IsInfinity(value))
        {
            return false;
        }

        double factor;
        if (unit.Length == 0)
        {
            factor = 1_000; // a plain number is seconds, like the original package's TTL
        }
        else
        {
            var match = Array.Find(Units, u => u.Suffix.Equals(unit, StringComparison.OrdinalIgnoreCase));
            if (match.Suffix is null)
            {
                return false;
            }

            factor = match.Milliseconds;
        }

        var ms = value * factor;
        if (Math.Abs(ms) > TimeSpan.MaxValue.TotalMilliseconds / 2)
        {
            return false;
        }

        duration = TimeSpan.FromTicks((long)Math.Round(ms * TimeSpan.TicksPerMillisecond));
        return true;
    }

    /// <summary>Parses a time to live: a positive duration.</summary>
    /// <exception cref="ArgumentException">The text is not a positive duration.</exception>
    public static TimeSpan ParseTimeToLive(string text)
    {
        if (!TryParse(text, out var ttl))
        {
            throw new ArgumentException($"--ttl '{text}' is not a duration; use e.g. 500ms, 30s, 5m, 2h, 1d or 00:05:00.");
        }

        return ttl > TimeSpan.Zero
            ? ttl
            : throw new ArgumentException($"--ttl '{text}' must be positive; leave --ttl out for a key that never expires.");
    }

    /// <summary>Formats a duration for people: <c>850ms</c>, <c>12.3s</c>, <c>4m 05s</c>, <c>2h 10m</c>, <c>3d 4h</c>.</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            return "-" + Format(-duration);
        }

        if (duration.TotalSeconds < 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{Math.Ceiling(duration.TotalMilliseconds):0}ms");
        }

        if (duration.TotalMinutes < 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.0}s");
        }

        if (duration.TotalHours < 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{duration.Minutes}m {duration.Seconds:00}s");
        }

        return duration.TotalDays < 1
            ? string.Create(CultureInfo.InvariantCulture, $"{duration.Hours}h {duration.Minutes:00}m")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalDays}d {duration.Hours}h");
    }

    /// <summary>Whole milliseconds left, rounded up so that a live key never reports 0.</summary>
    public static long ToMilliseconds(TimeSpan duration)
        => Math.Max(1, (duration.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond);
}
