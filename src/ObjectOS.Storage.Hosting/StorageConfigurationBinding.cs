using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ObjectOS.Storage.Redis;
using ObjectOS.Storage.Sqlite;

namespace ObjectOS.Storage.Hosting;

/// <summary>
/// Binds the <c>Storage</c> section (by the configuration-binding source generator, so trimming and AOT work) and
/// turns every binding problem into an <see cref="OptionsValidationException"/> naming the setting.
/// </summary>
internal static class StorageConfigurationBinding
{
    private static readonly string[] StorageKeys =
    [
        nameof(ObjectOSStorageOptions.Backend),
        nameof(ObjectOSStorageOptions.PluginName),
        nameof(ObjectOSStorageOptions.ServiceName),
        nameof(ObjectOSStorageOptions.MaxKeyLength),
        nameof(ObjectOSStorageOptions.MaxValueBytes),
        nameof(ObjectOSStorageOptions.InitializeOnStart),
        ObjectOSStorageOptions.MetricsSectionName,
        ObjectOSStorageOptions.MemorySectionName,
        ObjectOSStorageOptions.SqliteSectionName,
        ObjectOSStorageOptions.RedisSectionName,
    ];

    private static readonly string[] MetricsKeys = [nameof(StorageMetricsOptions.Enabled), nameof(StorageMetricsOptions.IncludePluginIdTag)];

    // The selected backend's settings may also stand directly in the Storage section ("Storage": { "Backend":
    // "Sqlite", "Path": "..." }); its own sub-section ("Storage:Sqlite:Path") wins where both are given.
    private static readonly string[] MemoryKeys = [nameof(MemoryStorageOptions.MaxKeys), nameof(MemoryStorageOptions.TtlCheckInterval)];

    private static readonly string[] SqliteKeys =
    [
        nameof(SqliteStorageOptions.Path), nameof(SqliteStorageOptions.Wal), nameof(SqliteStorageOptions.Synchronous),
        nameof(SqliteStorageOptions.BusyTimeout), nameof(SqliteStorageOptions.SweepInterval), nameof(SqliteStorageOptions.SweepBatchSize),
        nameof(SqliteStorageOptions.MaxBatchSize), nameof(SqliteStorageOptions.ReaderPoolSize),
    ];

    private static readonly string[] RedisKeys =
    [
        nameof(RedisStorageOptions.Host), nameof(RedisStorageOptions.Port), nameof(RedisStorageOptions.User),
        nameof(RedisStorageOptions.Password), nameof(RedisStorageOptions.Database), nameof(RedisStorageOptions.KeyPrefix),
        nameof(RedisStorageOptions.Ssl), nameof(RedisStorageOptions.ConnectionString), nameof(RedisStorageOptions.ConnectTimeout),
        nameof(RedisStorageOptions.OperationTimeout), nameof(RedisStorageOptions.BatchSize), nameof(RedisStorageOptions.ReindexOnInitialize),
    ];

    public static void Register(IServiceCollection services, IConfiguration section)
    {
        services.Configure<ObjectOSStorageOptions>(options => BindStorage(section, options));
        var memory = section.GetSection(ObjectOSStorageOptions.MemorySectionName);
        services.Configure<MemoryStorageOptions>(options =>
        {
            Guard(FlatSettings(section, StorageBackendKind.Memory, MemoryKeys), options, static () => new MemoryStorageOptions(), static (c, o) => c.Bind(o, Strict));
            Guard(memory, options, static () => new MemoryStorageOptions(), static (c, o) => c.Bind(o, Strict));
        });
        var sqlite = section.GetSection(ObjectOSStorageOptions.SqliteSectionName);
        services.Configure<SqliteStorageOptions>(options =>
        {
            Guard(FlatSettings(section, StorageBackendKind.Sqlite, SqliteKeys), options, static () => new SqliteStorageOptions(), static (c, o) => c.Bind(o, Strict));
            Guard(sqlite, options, static () => new SqliteStorageOptions(), static (c, o) => c.Bind(o, Strict));
        });
        var redis = section.GetSection(ObjectOSStorageOptions.RedisSectionName);
        services.Configure<RedisStorageOptions>(options =>
        {
            Guard(FlatSettings(section, StorageBackendKind.Redis, RedisKeys), options, static () => new RedisStorageOptions(), static (c, o) => c.Bind(o, Strict));
            Guard(redis, options, static () => new RedisStorageOptions(), static (c, o) => c.Bind(o, Strict));
        });
    }

    private static string[] FlatKeysOf(StorageBackendKind kind) => kind switch
    {
        StorageBackendKind.Memory => MemoryKeys,
        StorageBackendKind.Sqlite => SqliteKeys,
        StorageBackendKind.Redis => RedisKeys,
        _ => [],
    };

    // The selected backend's settings given directly in the Storage section, as a configuration of their own.
    private static IConfiguration FlatSettings(IConfiguration section, StorageBackendKind kind, string[] keys)
    {
        var selected = section[nameof(ObjectOSStorageOptions.Backend)] is { } text && TryParseBackend(text, out var parsed) && parsed == kind;
        var values = selected
            ? section.GetChildren()
                .Where(child => keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                .Select(child => new KeyValuePair<string, string?>(child.Key, child.Value))
            : [];
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    private static void Strict(BinderOptions binder) => binder.ErrorOnUnknownConfiguration = true;

    private static void BindStorage(IConfiguration section, ObjectOSStorageOptions options)
    {
        var failures = new List<string>();
        var path = PathOf(section);
        var backendText = section[nameof(ObjectOSStorageOptions.Backend)];
        var flatKeys = backendText is not null && TryParseBackend(backendText, out var selected) ? FlatKeysOf(selected) : [];
        RejectUnknownKeys(section, path, [.. StorageKeys, .. flatKeys], failures);
        var metrics = section.GetSection(ObjectOSStorageOptions.MetricsSectionName);
        RejectUnknownKeys(metrics, PathOf(metrics), MetricsKeys, failures);

        var backend = section[nameof(ObjectOSStorageOptions.Backend)];
        if (backend is not null && !TryParseBackend(backend, out _))
        {
            failures.Add($"{path}:Backend is '{backend}', which is not a storage backend; use one of: Memory, Sqlite, Redis.");
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(ObjectOSStorageOptions), failures);
        }

        Guard(section, options, static () => new ObjectOSStorageOptions(), static (c, o) => c.Bind(o));
    }

    private static bool TryParseBackend(string text, out StorageBackendKind kind)
        => Enum.TryParse(text.Trim(), ignoreCase: true, out kind)
            && Enum.IsDefined(kind)
            && !char.IsAsciiDigit(text.Trim()[0]);

    private static void RejectUnknownKeys(IConfiguration section, string path, string[] known, List<string> failures)
    {
        foreach (var child in section.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                failures.Add($"{path}:{child.Key} is not a storage setting; known settings are: {string.Join(", ", known)}.");
            }
        }
    }

    // Binding errors (a value that does not convert, an unknown property, a setter rejecting its value) become
    // validation failures naming the setting: on failure, each setting is bound alone onto a scratch instance to find
    // the culprit(s).
    private static void Guard<T>(IConfiguration section, T options, Func<T> scratch, Action<IConfiguration, T> bind)
    {
        try
        {
            bind(section, options);
        }
        catch (Exception ex) when (IsBindingError(ex))
        {
            var failures = new List<string>();
            var sectionPath = PathOf(section);
            foreach (var child in section.GetChildren())
            {
                try
                {
                    bind(Only(child, sectionPath), scratch());
                }
                catch (Exception childError) when (IsBindingError(childError))
                {
                    failures.Add(Describe<T>(child.Path, childError));
                }
            }

            if (failures.Count == 0)
            {
                failures.Add($"{sectionPath}: {CleanMessage(ex)}");
            }

            throw new OptionsValidationException(Options.DefaultName, typeof(T), failures);
        }
    }

    private static bool IsBindingError(Exception ex) => ex is InvalidOperationException or ArgumentException or FormatException or OverflowException;

    // A configuration holding just one setting (with its sub-settings), at the same relative position.
    private static IConfiguration Only(IConfigurationSection child, string sectionPath)
    {
        var prefix = sectionPath.Length == 0 ? string.Empty : sectionPath + ConfigurationPath.KeyDelimiter;
        var values = child.AsEnumerable()
            .Where(pair => pair.Key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(pair => new KeyValuePair<string, string?>(pair.Key[prefix.Length..], pair.Value));
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    private static string Describe<T>(string path, Exception error)
        => error is InvalidOperationException && error.Message.Contains(nameof(BinderOptions.ErrorOnUnknownConfiguration), StringComparison.Ordinal)
            ? $"{path} is not a setting of {typeof(T).Name}."
            : $"{path}: {CleanMessage(error)}";

    // "MaxKeys must be positive. (Parameter 'value')\nActual value was 0." -> "MaxKeys must be positive."
    private static string CleanMessage(Exception error)
    {
        var message = error.Message;
        var parameter = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return parameter > 0 ? message[..parameter] : message;
    }

    private static string PathOf(IConfiguration section) => section is IConfigurationSection { Path: { Length: > 0 } path } ? path : "(configuration root)";
}
