using System.Diagnostics;
using ObjectOS.Storage.Redis;

namespace ObjectOS.Storage.Redis.Tests;

/// <summary>
/// The shared Redis servers of the test run: a standalone server and a three-primary cluster. CI (scripts/test.sh)
/// starts them and passes OBJECTOS_REDIS / OBJECTOS_REDIS_CLUSTER; when those are absent (plain `dotnet test`), the
/// first test starts its own with scripts/redis.sh and they are stopped when the test process exits.
/// </summary>
public sealed class RedisTestServers
{
    private static readonly Lazy<RedisTestServers> Shared = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    private RedisTestServers(string standalone, string cluster)
    {
        Standalone = standalone;
        Cluster = cluster;
    }

    /// <summary>The servers, started on first use.</summary>
    public static RedisTestServers Instance => Shared.Value;

    /// <summary>host:port of the standalone server.</summary>
    public string Standalone { get; }

    /// <summary>Comma-separated host:port of the cluster's primaries.</summary>
    public string Cluster { get; }

    /// <summary>A key prefix no other test uses, so every backend instance sees only its own keys.</summary>
    public static string UniquePrefix() => $"test:{Guid.NewGuid():N}:";

    /// <summary>Options for a fresh, isolated backend on the standalone server or the cluster.</summary>
    public RedisStorageOptions Options(bool cluster, string? keyPrefix = null) => new()
    {
        ConnectionString = cluster ? Cluster : Standalone,
        KeyPrefix = keyPrefix ?? UniquePrefix(),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        OperationTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>A fresh, isolated backend.</summary>
    public RedisStorageBackend CreateBackend(bool cluster, string? keyPrefix = null) => new(Options(cluster, keyPrefix));

    private static RedisTestServers Start()
    {
        var standalone = Environment.GetEnvironmentVariable("OBJECTOS_REDIS");
        var cluster = Environment.GetEnvironmentVariable("OBJECTOS_REDIS_CLUSTER");
        if (!string.IsNullOrEmpty(standalone) && !string.IsNullOrEmpty(cluster))
        {
            return new RedisTestServers(standalone, cluster);
        }

        var script = Path.Combine(RepositoryRoot(), "scripts", "redis.sh");
        var dir = Directory.CreateTempSubdirectory("objectos-redis-tests-").FullName;
        var output = RunScript(script, "start", dir, TimeSpan.FromSeconds(60));
        // The test host may be torn down soon after the run, so stop the servers by pid directly (no script, no wait).
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillServersIn(dir);

        var exports = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith("export ", StringComparison.Ordinal))
            .Select(line => line["export ".Length..].Split('=', 2))
            .ToDictionary(parts => parts[0], parts => parts[1]);
        return new RedisTestServers(exports["OBJECTOS_REDIS"], exports["OBJECTOS_REDIS_CLUSTER"]);
    }

    private static void KillServersIn(string dir)
    {
        foreach (var pidFile in Directory.EnumerateFiles(dir, "redis.pid", SearchOption.AllDirectories))
        {
            try
            {
                using var process = Process.GetProcessById(int.Parse(File.ReadAllText(pidFile).Trim()));
                if (process.ProcessName.StartsWith("redis-server", StringComparison.Ordinal))
                {
                    process.Kill();
                }
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException or FormatException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }

        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string RunScript(string script, string command, string dir, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(command);
        info.ArgumentList.Add(dir);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot run bash");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"scripts/redis.sh {command} did not finish in {timeout}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"scripts/redis.sh {command} failed ({process.ExitCode}); redis-server must be on PATH (apt-get install redis-server).\n{stderr.Result}");
        }

        return stdout.Result;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "redis.sh")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find scripts/redis.sh above " + AppContext.BaseDirectory);
    }
}
