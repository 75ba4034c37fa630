using System.Globalization;
using ObjectOS.Storage.Redis;
using ObjectOS.Storage.Sqlite;

namespace ObjectOS.Storage.Cli;

/// <summary>Creates the backend a store URI names, with the URI's parameters applied.</summary>
internal static class BackendFactory
{
    /// <summary>The key limit of a <c>memory:</c> store unless <c>?maxKeys=</c> says otherwise.</summary>
    public const int DefaultMemoryMaxKeys = 10_000_000;

    private static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Creates the backend; nothing is opened or connected yet.</summary>
    /// <exception cref="ArgumentException">A parameter has a bad value.</exception>
    public static IStorageBackend Create(StoreUri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        try
        {
            return uri.Kind switch
            {
                StoreKind.Memory => CreateMemory(uri),
                StoreKind.Sqlite => CreateSqlite(uri),
                StoreKind.Redis => CreateRedis(uri),
                _ => throw new ArgumentException($"Bad store URI '{uri.Redacted}'."),
            };
        }
        catch (ArgumentException ex) when (!ex.Message.StartsWith("Bad store URI", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Bad store URI '{uri.Redacted}': {ex.Message}", ex);
        }
    }

    /// <summary>How long opening the store may take before the CLI gives up (the backend's own timeouts normally fire first).</summary>
    public static TimeSpan OpenTimeout(StoreUri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return uri.Kind switch
        {
            StoreKind.Redis => ((uri.GetDuration("connectTimeout") ?? DefaultConnectTimeout) * 2) + TimeSpan.FromSeconds(2),
            StoreKind.Sqlite => (uri.GetDuration("timeout") ?? TimeSpan.FromSeconds(5)) + TimeSpan.FromSeconds(25),
            _ => TimeSpan.FromSeconds(10),
        };
    }

    private static MemoryStorageBackend CreateMemory(StoreUri uri)
    {
        var maxKeys = DefaultMemoryMaxKeys;
        if (uri.GetParameter("maxKeys") is { } text &&
            (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out maxKeys) || maxKeys <= 0))
        {
            throw new ArgumentException($"Bad store URI '{uri.Redacted}': maxKeys must be a positive whole number, not '{text}'.");
        }

        return new MemoryStorageBackend(new MemoryStorageOptions { MaxKeys = maxKeys });
    }

    private static SqliteStorageBackend CreateSqlite(StoreUri uri)
    {
        var options = new SqliteStorageOptions { Path = uri.Path! };
        if (uri.GetBoolean("wal") is { } wal)
        {
            options.Wal = wal;
        }

        if (uri.GetDuration("timeout") is { } busy)
        {
            options.BusyTimeout = busy;
        }

        return new SqliteStorageBackend(options);
    }

    private static RedisStorageBackend CreateRedis(StoreUri uri)
    {
        var options = new RedisStorageOptions();
        if (uri.Endpoints.Count == 1)
        {
            options.Host = uri.Endpoints[0].Host;
            options.Port = uri.Endpoints[0].Port;
        }
        else
        {
            // Several endpoints (a cluster, or a primary with replicas); the connection string carries no secret.
            options.ConnectionString = string.Join(",", uri.Endpoints);
        }

        options.User = uri.User;
        options.Password = uri.Password;
        options.Database = uri.Database;
        options.Ssl = uri.Tls;
        if (uri.GetParameter("prefix") is { } prefix)
        {
            options.KeyPrefix = prefix;
        }

        if (uri.GetDuration("connectTimeout") is { } connect)
        {
            options.ConnectTimeout = connect;
        }

        if ((uri.GetDuration("timeout") ?? uri.GetDuration("syncTimeout")) is { } operation)
        {
            options.OperationTimeout = operation;
        }

        options.ReindexOnInitialize = uri.GetBoolean("reindex") ?? options.ReindexOnInitialize;
        var sslHost = uri.GetParameter("sslHost");
        var clientName = uri.GetParameter("name");
        if (sslHost is not null || clientName is not null)
        {
            options.ConfigureConnection = configuration =>
            {
                configuration.SslHost = sslHost ?? configuration.SslHost;
                configuration.ClientName = clientName ?? configuration.ClientName;
            };
        }

        return new RedisStorageBackend(options);
    }
}
