namespace ObjectOS.Storage;

/// <summary>
/// Which physical keys a listing or bulk delete covers: those in one scope (or the root) whose relative key
/// matches a glob pattern. <see cref="Prefix"/> is the literal text every such key starts with, for index range scans.
/// </summary>
public sealed class KeyQuery
{
    /// <summary>Creates a query over the keys of <paramref name="scopePrefix"/> that match <paramref name="pattern"/>.</summary>
    /// <param name="scopePrefix"><c>""</c> for the root store, or <c>"pluginId:"</c>.</param>
    /// <param name="pattern">The pattern matched against the key relative to the scope.</param>
    public KeyQuery(string scopePrefix, GlobPattern pattern)
    {
        ArgumentNullException.ThrowIfNull(scopePrefix);
        ArgumentNullException.ThrowIfNull(pattern);
        ScopePrefix = scopePrefix;
        Pattern = pattern;
        Prefix = string.Concat(scopePrefix, pattern.LiteralPrefix);
    }

    /// <summary>A query over every key of the backend.</summary>
    public static KeyQuery All { get; } = new(string.Empty, GlobPattern.MatchAll);

    /// <summary><c>""</c> for the root store, or <c>"pluginId:"</c> for one plugin's scope.</summary>
    public string ScopePrefix { get; }

    /// <summary>The pattern, matched against the key relative to <see cref="ScopePrefix"/>.</summary>
    public GlobPattern Pattern { get; }

    /// <summary>The literal physical prefix every matching key starts with (scope prefix plus the pattern's literal prefix).</summary>
    public string Prefix { get; }

    /// <summary>Whether every key starting with <see cref="Prefix"/> matches, so a backend can act on the prefix range alone.</summary>
    public bool IsPrefixOnly => Pattern.IsPrefixMatch;

    /// <summary>The plugin id of a scoped query, or <see langword="null"/> for the root store.</summary>
    public string? PluginId => ScopePrefix.Length == 0 ? null : ScopePrefix[..^1];

    /// <summary>Whether the physical key <paramref name="physicalKey"/> is covered by this query.</summary>
    public bool Matches(string physicalKey)
    {
        ArgumentNullException.ThrowIfNull(physicalKey);
        return physicalKey.StartsWith(Prefix, StringComparison.Ordinal)
            && Pattern.IsMatch(physicalKey.AsSpan(ScopePrefix.Length));
    }

    /// <inheritdoc />
    public override string ToString() => ScopePrefix.Length == 0 ? Pattern.Pattern : $"{ScopePrefix}{Pattern.Pattern}";
}
