using System.Runtime.InteropServices;

namespace ObjectOS.Storage;

/// <summary>
/// A physical key as stored by a backend: <c>&lt;pluginId&gt;:&lt;key&gt;</c> for a scoped key, the key itself in the root
/// store. It is kept in two parts so that a backend can look it up without allocating the joined string.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly struct PhysicalKey : IEquatable<PhysicalKey>
{
    /// <summary>Creates a physical key from a scope prefix (<c>""</c> or <c>"pluginId:"</c>) and a relative key.</summary>
    public PhysicalKey(string scopePrefix, string key)
    {
        ScopePrefix = scopePrefix ?? string.Empty;
        Key = key;
    }

    /// <summary>Creates a physical key from its full text.</summary>
    public PhysicalKey(string fullKey) : this(string.Empty, fullKey) { }

    /// <summary>The scope part, <c>""</c> for the root store or <c>"pluginId:"</c>.</summary>
    public string ScopePrefix { get; }

    /// <summary>The key relative to <see cref="ScopePrefix"/>.</summary>
    public string Key { get; }

    /// <summary>The length of the full physical key.</summary>
    public int Length => ScopePrefix.Length + Key.Length;

    /// <summary>Copies the full physical key into <paramref name="destination"/>, which must hold <see cref="Length"/> chars.</summary>
    public void CopyTo(Span<char> destination)
    {
        ScopePrefix.CopyTo(destination);
        Key.CopyTo(destination[ScopePrefix.Length..]);
    }

    /// <summary>The full physical key.</summary>
    public override string ToString() => ScopePrefix.Length == 0 ? Key : string.Concat(ScopePrefix, Key);

    /// <inheritdoc />
    public bool Equals(PhysicalKey other) => string.Equals(ToString(), other.ToString(), StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PhysicalKey other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => string.GetHashCode(ToString(), StringComparison.Ordinal);

    /// <summary>Ordinal equality of the full keys.</summary>
    public static bool operator ==(PhysicalKey left, PhysicalKey right) => left.Equals(right);

    /// <summary>Ordinal inequality of the full keys.</summary>
    public static bool operator !=(PhysicalKey left, PhysicalKey right) => !left.Equals(right);
}
