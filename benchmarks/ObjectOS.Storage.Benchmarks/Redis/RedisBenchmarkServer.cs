using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using ObjectOS.Storage.Redis;
using StackExchange.Redis;

namespace ObjectOS.Storage.Benchmarks.Redis;

/// <summary>
/// The Redis a benchmark class runs against: by default a private <c>redis-server</c> started on a free loopback
/// port (never 6379), without persistence, and stopped at cleanup; or, when <c>OBJECTOS_REDIS=host:port</c> is set,
/// that server, in which the benchmark only touches keys under its own random prefix and deletes them at cleanup.
/// Library, raw client and <see cref="RedisCache"/> each get their own prefix, so their keys never mix.
/// </summary>
internal sealed class RedisBenchmarkServer : IAsyncDisposable
{
    private readonly Process? _process;
    private readonly string _workFolder;

    private RedisBenchmarkServer(string endpoint, Process? process, string workFolder, ConnectionMultiplexer connection)
    {
        Endpoint = endpoint;
        _process = process;
        _workFolder = workFolder;
        Connection = connection;
        var run = Guid.NewGuid().ToString("N")[..8];
        RunPrefix = $"objectos-bench-{run}:";
    }

    /// <summary><c>host:port</c> of the server.</summary>
    public string Endpoint { get; }

    /// <summary>Whether this benchmark started (and owns) the server.</summary>
    public bool Owned => _process is not null;

    /// <summary>The raw StackExchange.Redis client the baselines use (one multiplexer, as recommended).</summary>
    public ConnectionMultiplexer Connection { get; }

    public IDatabase Database => Connection.GetDatabase();

    /// <summary>The prefix of every key this run writes.</summary>
    public string RunPrefix { get; }

    /// <summary>The key prefix the library stores under (its <see cref="RedisStorageOptions.KeyPrefix"/>).</summary>
    public string LibraryPrefix => RunPrefix + "lib:";

    /// <summary>The prefix of the raw baseline's keys, laid out like the library's: <c>&lt;prefix&gt;&lt;pluginId&gt;:&lt;key&gt;</c>.</summary>
    public string RawPrefix => RunPrefix + "raw:";

    public static async Task<RedisBenchmarkServer> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable("OBJECTOS_REDIS");
        var workFolder = Path.Combine(Path.GetTempPath(), "objectos-storage-bench-redis", Guid.NewGuid().ToString("N"));
        if (!string.IsNullOrWhiteSpace(external))
        {
            return new RedisBenchmarkServer(external, null, workFolder, await ConnectAsync(external, attempts: 1));
        }

        Directory.CreateDirectory(workFolder);
        var port = FreeLoopbackPort();
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workFolder,
        };
        foreach (var argument in new[]
        {
            "--port", port.ToString(), "--bind", "127.0.0.1", "--protected-mode", "no", "--save", "", "--appendonly", "no",
            "--dir", workFolder, "--enable-debug-command", "local", "--loglevel", "warning",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start; is it installed?");
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var endpoint = $"127.0.0.1:{port}";
        try
        {
            return new RedisBenchmarkServer(endpoint, process, workFolder, await ConnectAsync(endpoint, attempts: 50));
        }
        catch
        {
            process.Kill();
            process.Dispose();
            throw;
        }
    }

    private static async Task<ConnectionMultiplexer> ConnectAsync(string endpoint, int attempts)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
                {
                    EndPoints = { endpoint },
                    ConnectTimeout = 2000,
                    SyncTimeout = 10_000,
                    AsyncTimeout = 10_000,
                    AllowAdmin = true,
                    AbortOnConnectFail = true,
                });
            }
            catch (RedisConnectionException) when (attempt < attempts)
            {
                await Task.Delay(100);
            }
        }
    }

    private static int FreeLoopbackPort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            if (port != 6379)
            {
                return port;
            }
        }
    }

    /// <summary>Opens the library on this server under <see cref="LibraryPrefix"/>.</summary>
    public async Task<StoragePlugin> OpenStorageAsync()
    {
        var (host, port) = SplitEndpoint(Endpoint);
        var plugin = new StoragePlugin(new RedisStorageBackend(new RedisStorageOptions { Host = host, Port = port, KeyPrefix = LibraryPrefix }));
        await plugin.InitializeAsync();
        return plugin;
    }

    /// <summary>The <c>IDistributedCache</c> a .NET team would otherwise use, on this server under its own prefix.</summary>
    public RedisCache CreateRedisCache()
        => new(new RedisCacheOptions { Configuration = Endpoint, InstanceName = RunPrefix + "cache:" });

    private static (string Host, int Port) SplitEndpoint(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        return colon < 0 ? (endpoint, 6379) : (endpoint[..colon], int.Parse(endpoint[(colon + 1)..]));
    }

    /// <summary>
    /// Writes <paramref name="count"/> filler keys under <paramref name="keyPrefixOfScope"/> (setup only): with
    /// <c>DEBUG POPULATE</c> on a private server, else pipelined <c>SET</c>s.
    /// </summary>
    public async Task PopulateAsync(Func<int, string> keyPrefixOfScope, int scopes, int count)
    {
        var perScope = count / scopes;
        if (Owned)
        {
            var server = Connection.GetServer(Connection.GetEndPoints()[0]);
            for (var s = 0; s < scopes; s++)
            {
                // Keys "<prefix>item:<n>", values "value:<n>" (other scopes are never read, only counted past).
                await server.ExecuteAsync("DEBUG", "POPULATE", perScope, keyPrefixOfScope(s) + "item");
            }

            return;
        }

        var database = Database;
        for (var s = 0; s < scopes; s++)
        {
            var batch = new List<Task>(perScope);
            for (var i = 0; i < perScope; i++)
            {
                batch.Add(database.StringSetAsync(keyPrefixOfScope(s) + "item:" + i, "1"));
            }

            await Task.WhenAll(batch);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is null)
        {
            // A shared server: delete only what this run wrote (data keys and the library's index keys).
            var server = Connection.GetServer(Connection.GetEndPoints()[0]);
            foreach (var pattern in new[] { RunPrefix + "*", RedisStorageOptions.IndexKeyMarker + RunPrefix + "*" })
            {
                var batch = new List<RedisKey>(1000);
                await foreach (var key in server.KeysAsync(pattern: pattern, pageSize: 1000))
                {
                    batch.Add(key);
                    if (batch.Count == 1000)
                    {
                        await Database.KeyDeleteAsync(batch.ToArray());
                        batch.Clear();
                    }
                }

                if (batch.Count > 0)
                {
                    await Database.KeyDeleteAsync(batch.ToArray());
                }
            }
        }

        await Connection.CloseAsync();
        Connection.Dispose();
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            try
            {
                Directory.Delete(_workFolder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
