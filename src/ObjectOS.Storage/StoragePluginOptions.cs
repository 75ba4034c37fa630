using System.Text.Json;

namespace ObjectOS.Storage;

/// <summary>Settings of a <see cref="StoragePlugin"/> that do not depend on the backend.</summary>
public sealed class StoragePluginOptions
{
    /// <summary>The default plugin name, the original package's.</summary>
    public const string DefaultPluginName = "@objectos/storage";

    /// <summary>The default service name plugins look the storage up by.</summary>
    public const string DefaultServiceName = "storage";

    /// <summary>The default maximum size of one serialized value: 16 MiB.</summary>
    public const int DefaultMaxValueBytes = 16 * 1024 * 1024;

    private string _pluginName = DefaultPluginName;
    private string _serviceName = DefaultServiceName;
    private int _maxKeyLength = StorageValidation.DefaultMaxKeyLength;
    private int _maxValueBytes = DefaultMaxValueBytes;

    /// <summary>The plugin's name in the kernel; default <c>@objectos/storage</c>.</summary>
    public string PluginName
    {
        get => _pluginName;
        set => _pluginName = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("PluginName must not be empty.", nameof(value)) : value;
    }

    /// <summary>The name the storage service is registered under; default <c>storage</c>.</summary>
    public string ServiceName
    {
        get => _serviceName;
        set => _serviceName = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("ServiceName must not be empty.", nameof(value)) : value;
    }

    /// <summary>The longest key accepted, in UTF-16 characters relative to the scope; default 1024.</summary>
    public int MaxKeyLength
    {
        get => _maxKeyLength;
        set => _maxKeyLength = value is > 0 and <= 65_536 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxKeyLength must be between 1 and 65536.");
    }

    /// <summary>The largest serialized value accepted, in bytes; default 16 MiB.</summary>
    public int MaxValueBytes
    {
        get => _maxValueBytes;
        set => _maxValueBytes = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxValueBytes must be positive.");
    }

    /// <summary>
    /// The JSON options for values; default: <see cref="JsonSerializerDefaults.Web"/> (camelCase, like the JavaScript
    /// original). The instance is made read-only when the plugin is created.
    /// </summary>
    public JsonSerializerOptions? JsonSerializerOptions { get; set; }

    /// <summary>Which plugins may reach beyond their own scope; by default none may.</summary>
    public StorageAccessPolicy AccessPolicy { get; } = new();
}

/// <summary>
/// Grants plugins access beyond their own scope. Without a grant, a plugin's storage service only opens that
/// plugin's own scope; the host's <see cref="StoragePlugin"/> always has full access.
/// </summary>
public sealed class StorageAccessPolicy
{
    private readonly HashSet<string> _rootAccess = new(StringComparer.Ordinal);
    private readonly HashSet<(string Plugin, string Target)> _scopeAccess = [];

    /// <summary>Lets <paramref name="pluginName"/> use the unscoped root store and therefore every scope.</summary>
    public StorageAccessPolicy GrantRootAccess(string pluginName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginName);
        lock (_rootAccess)
        {
            _rootAccess.Add(pluginName);
        }

        return this;
    }

    /// <summary>Lets <paramref name="pluginName"/> open the scope of <paramref name="targetPluginId"/> as well as its own.</summary>
    public StorageAccessPolicy GrantScopeAccess(string pluginName, string targetPluginId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginName);
        StorageValidation.ValidatePluginId(targetPluginId);
        lock (_rootAccess)
        {
            _scopeAccess.Add((pluginName, targetPluginId));
        }

        return this;
    }

    /// <summary>Whether <paramref name="pluginName"/> may use the root store.</summary>
    public bool CanAccessRoot(string pluginName)
    {
        lock (_rootAccess)
        {
            return _rootAccess.Contains(pluginName);
        }
    }

    /// <summary>Whether <paramref name="pluginName"/> may open the scope of <paramref name="targetPluginId"/>.</summary>
    public bool CanAccessScope(string pluginName, string targetPluginId)
    {
        if (string.Equals(pluginName, targetPluginId, StringComparison.Ordinal))
        {
            return true;
        }

        lock (_rootAccess)
        {
            return _rootAccess.Contains(pluginName) || _scopeAccess.Contains((pluginName, targetPluginId));
        }
    }
}
