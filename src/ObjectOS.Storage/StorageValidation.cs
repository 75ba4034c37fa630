using System.Buffers;

namespace ObjectOS.Storage;

/// <summary>The rules for keys, plugin ids and time-to-live values, shared by every store and backend.</summary>
public static class StorageValidation
{
    /// <summary>The default maximum key length, in UTF-16 characters, relative to the scope.</summary>
    public const int DefaultMaxKeyLength = 1024;

    /// <summary>The maximum plugin id length (the npm package-name limit).</summary>
    public const int MaxPluginIdLength = 214;

    /// <summary>The longest time to live accepted; use no TTL for a key that never expires.</summary>
    public static readonly TimeSpan MaxTimeToLive = TimeSpan.FromDays(36_500);

    /// <summary>The characters a plugin id may contain besides ASCII letters and digits.</summary>
    public const string PluginIdPunctuation = "@/._-";

    /// <summary>The separator between plugin id and key in a physical key.</summary>
    public const char ScopeSeparator = ':';

    private static readonly SearchValues<char> PluginIdChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + PluginIdPunctuation);

    /// <summary>
    /// Throws unless <paramref name="key"/> is a valid key: non-null, non-empty, at most <paramref name="maxLength"/>
    /// characters and valid Unicode (no unpaired surrogate). Any other character is allowed.
    /// </summary>
    /// <exception cref="ArgumentNullException">The key is null.</exception>
    /// <exception cref="ArgumentException">The key is empty, too long or contains an unpaired surrogate.</exception>
    public static void ValidateKey(string key, int maxLength = DefaultMaxKeyLength)
    {
        if (key is null)
        {
            throw new ArgumentNullException(nameof(key), "Key must not be null.");
        }

        if (key.Length == 0)
        {
            throw new ArgumentException("Key must not be empty.", nameof(key));
        }

        if (key.Length > maxLength)
        {
            throw new ArgumentException($"Key is {key.Length} characters long; the maximum is {maxLength}.", nameof(key));
        }

        var surrogate = key.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (surrogate >= 0)
        {
            ValidateSurrogates(key, surrogate);
        }
    }

    private static void ValidateSurrogates(string key, int start)
    {
        for (var i = start; i < key.Length; i++)
        {
            var c = key[i];
            if (char.IsHighSurrogate(c) && i + 1 < key.Length && char.IsLowSurrogate(key[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                throw new ArgumentException(
                    $"Key contains an unpaired surrogate (U+{(int)c:X4}) at index {i}; keys must be valid Unicode text.", nameof(key));
            }
        }
    }

    /// <summary>
    /// Throws unless <paramref name="pluginId"/> is a valid plugin id: 1 to <see cref="MaxPluginIdLength"/> ASCII
    /// letters, digits and <c>@ / . _ -</c> (e.g. <c>@objectos/auth</c>, <c>my-plugin</c>, <c>com.acme.crm</c>). The scope
    /// separator <c>:</c> and glob metacharacters are excluded, so no id can reach into another plugin's scope.
    /// </summary>
    /// <exception cref="ArgumentNullException">The id is null.</exception>
    /// <exception cref="ArgumentException">The id is empty, too long or contains a character outside the set.</exception>
    public static void ValidatePluginId(string pluginId)
    {
        if (pluginId is null)
        {
            throw new ArgumentNullException(nameof(pluginId), "Plugin id must not be null.");
        }

        if (pluginId.Length == 0)
        {
            throw new ArgumentException("Plugin id must not be empty.", nameof(pluginId));
        }

        if (pluginId.Length > MaxPluginIdLength)
        {
            throw new ArgumentException(
                $"Plugin id is {pluginId.Length} characters long; the maximum is {MaxPluginIdLength}.", nameof(pluginId));
        }

        var bad = pluginId.AsSpan().IndexOfAnyExcept(PluginIdChars);
        if (bad >= 0)
        {
            throw new ArgumentException(
                $"Plugin id '{pluginId}' is invalid: character '{pluginId[bad]}' at index {bad} is not allowed. " +
                $"Plugin ids may contain only ASCII letters, digits and '{PluginIdPunctuation}'.", nameof(pluginId));
        }
    }

    /// <summary>Whether <paramref name="pluginId"/> is a valid plugin id.</summary>
    public static bool IsValidPluginId(string? pluginId)
        => !string.IsNullOrEmpty(pluginId) && pluginId.Length <= MaxPluginIdLength && !pluginId.AsSpan().ContainsAnyExcept(PluginIdChars);

    /// <summary>Throws unless <paramref name="timeToLive"/> is null (no expiry) or positive and at most <see cref="MaxTimeToLive"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The TTL is zero, negative or too large.</exception>
    public static void ValidateTimeToLive(TimeSpan? timeToLive)
    {
        if (timeToLive is not { } ttl)
        {
            return;
        }

        if (ttl <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeToLive), ttl,
                "Time to live must be positive; pass null for a key that never expires.");
        }

        if (ttl > MaxTimeToLive)
        {
            throw new ArgumentOutOfRangeException(nameof(timeToLive), ttl,
                $"Time to live must be at most {MaxTimeToLive.TotalDays:0} days; pass null for a key that never expires.");
        }
    }

    /// <summary>The scope prefix (<c>"pluginId:"</c>) of a validated plugin id.</summary>
    public static string ScopePrefixOf(string pluginId) => pluginId + ScopeSeparator;

    /// <summary>
    /// Rounds a time to live up to whole milliseconds, the precision every backend stores (at least 1 ms),
    /// so that a positive TTL never becomes "no expiry".
    /// </summary>
    public static long ToExpiryMilliseconds(TimeSpan timeToLive)
        => Math.Max(1, (timeToLive.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond);
}
