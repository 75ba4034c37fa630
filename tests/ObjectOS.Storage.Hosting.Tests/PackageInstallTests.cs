using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace ObjectOS.Storage.Hosting.Tests;

/// <summary>
/// Packs every packable project into a local folder, creates a fresh console app that installs the packages from that
/// folder (third-party dependencies from the machine's usual NuGet source), and runs the seed's usage on SQLite plus the
/// hosting integration. Slow (a Release pack of the solution and a restore), so it runs only with
/// <c>OBJECTOS_PACKAGE_TEST=1</c>: <c>OBJECTOS_PACKAGE_TEST=1 dotnet test tests/ObjectOS.Storage.Hosting.Tests --filter Category=Package</c>.
/// </summary>
[Trait("Category", "Package")]
public sealed class PackageInstallTests(ITestOutputHelper output)
{
    private const string ThirdPartySourceVariable = "OBJECTOS_NUGET_SOURCE";
    private const string DefaultThirdPartySource = "https://api.nuget.org/v3/index.json";

    private const string ProgramSource = """
        using Microsoft.Extensions.Configuration;
        using Microsoft.Extensions.DependencyInjection;
        using Microsoft.Extensions.Diagnostics.HealthChecks;
        using Microsoft.Extensions.Hosting;
        using Microsoft.Extensions.Logging;
        using ObjectOS.Runtime;
        using ObjectOS.Storage;
        using ObjectOS.Storage.Sqlite;

        var path = Path.Combine(AppContext.BaseDirectory, "data", "storage.db");

        // The seed's usage: kernel, plugin, scoped storage, on SQLite.
        var storage = new StoragePlugin(new SqliteStorageBackend(new SqliteStorageOptions { Path = path }));
        var os = new ObjectOSKernel();
        await os.RegisterPluginAsync(storage);
        await os.RegisterPluginAsync(new MyPlugin());
        await os.StartAsync();
        await storage.GetScopedStorage("notes").SetAsync("kept", "on disk");
        await os.StopAsync();

        // The same file through the hosting package, configuration-bound, with its health check.
        var builder = Host.CreateApplicationBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration["Storage:Backend"] = "Sqlite";
        builder.Configuration["Storage:Sqlite:Path"] = path;
        builder.Services.AddObjectOSStorage(builder.Configuration.GetSection("Storage"));
        builder.Services.AddHealthChecks().AddObjectOSStorageCheck();
        using var host = builder.Build();
        await host.StartAsync();
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Console.WriteLine($"health: {report.Status}");
        var app = host.Services.GetRequiredService<IStorageService>();
        Console.WriteLine($"reopened: {await app.GetScopedStorage("notes").GetAsync<string>("kept")}");
        Console.WriteLine($"all keys: {string.Join(",", await app.KeysAsync())}");
        await host.StopAsync();

        sealed record Config(string Theme);

        sealed class MyPlugin : IPlugin
        {
            public string Name => "my-plugin";
            public string Version => "1.0.0";

            public async Task InitAsync(IPluginContext context)
            {
                var storage = context.GetService<IStorageService>("storage");
                var scoped = storage.GetScopedStorage("my-plugin");
                await scoped.SetAsync("config", new Config("dark"));
                Config? config = await scoped.GetAsync<Config>("config");
                Console.WriteLine($"config: {config?.Theme}");
                await scoped.SetAsync("session", new { user = "john" }, TimeSpan.FromSeconds(60));
                IReadOnlyList<string> keys = await scoped.KeysAsync("config:*");
                Console.WriteLine($"keys: [{string.Join(",", keys)}]");
                Console.WriteLine($"all: [{string.Join(",", await scoped.KeysAsync())}]");
                bool removed = await scoped.DeleteAsync("config");
                Console.WriteLine($"removed: {removed}");
                await scoped.ClearAsync();
                Console.WriteLine($"after clear: {(await scoped.KeysAsync()).Count}");
                try
                {
                    storage.GetScopedStorage("other-plugin");
                }
                catch (StorageAccessDeniedException)
                {
                    Console.WriteLine("isolation: denied");
                }
            }
        }
        """;

    [Fact]
    public async Task Packages_install_from_a_local_folder_and_run_the_seed_usage()
    {
        if (Environment.GetEnvironmentVariable("OBJECTOS_PACKAGE_TEST") != "1")
        {
            output.WriteLine("Skipped: set OBJECTOS_PACKAGE_TEST=1 to pack the solution and install it into a fresh app (takes minutes).");
            return;
        }

        var total = Stopwatch.StartNew();
        var repository = FindRepositoryRoot();
        using var temp = new TempDirectory();
        var feed = Directory.CreateDirectory(temp.File("feed")).FullName;
        var packages = Directory.CreateDirectory(temp.File("packages")).FullName;
        var appDirectory = temp.File("app");

        // 1. Pack every packable project of the solution (its own build slot, so the running tests' outputs stay untouched).
        await RunAsync(repository, TimeSpan.FromMinutes(10), "dotnet", "pack", "ObjectOS.Storage.slnx", "-c", "Release", "-o", feed, "-nologo", "-v", "q");
        var produced = Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        output.WriteLine($"packed: {string.Join(", ", produced)}");
        foreach (var id in new[] { "ObjectOS.Runtime", "ObjectOS.Storage", "ObjectOS.Storage.Sqlite", "ObjectOS.Storage.Redis", "ObjectOS.Storage.Hosting" })
        {
            Assert.Contains(produced, name => name!.StartsWith(id + ".", StringComparison.Ordinal) && char.IsAsciiDigit(name[id.Length + 1]));
        }

        var version = VersionOf(produced, "ObjectOS.Storage.Sqlite");

        // 2. A fresh console app whose ObjectOS packages can only come from the local folder.
        await RunAsync(temp.Path, TimeSpan.FromMinutes(2), "dotnet", "new", "console", "-o", appDirectory, "--framework", "net10.0", "--no-restore");
        await File.WriteAllTextAsync(Path.Combine(appDirectory, "nuget.config"), NuGetConfig(feed, packages));
        foreach (var package in new[] { "ObjectOS.Storage.Sqlite", "ObjectOS.Storage.Hosting" })
        {
            await RunAsync(appDirectory, TimeSpan.FromMinutes(5), "dotnet", "add", "package", package, "--version", version);
        }

        await RunAsync(appDirectory, TimeSpan.FromMinutes(5), "dotnet", "add", "package", "Microsoft.Extensions.Hosting",
            "--version", CentralVersionOf(repository, "Microsoft.Extensions.Hosting"));
        await File.WriteAllTextAsync(Path.Combine(appDirectory, "Program.cs"), ProgramSource);

        // 3. Run it and check what the seed's usage prints.
        var run = await RunAsync(appDirectory, TimeSpan.FromMinutes(5), "dotnet", "run", "-c", "Release");
        var lines = run.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("config: dark", lines);
        Assert.Contains("keys: []", lines); // "config:*" needs a colon after "config", as in the seed's README.
        Assert.Contains("all: [config,session]", lines);
        Assert.Contains("removed: True", lines);
        Assert.Contains("after clear: 0", lines);
        Assert.Contains("isolation: denied", lines);
        Assert.Contains("health: Healthy", lines);
        Assert.Contains("reopened: on disk", lines);
        Assert.Contains("all keys: notes:kept", lines);

        // The restored ObjectOS packages are the ones from the local folder.
        Assert.True(Directory.Exists(Path.Combine(packages, "objectos.storage.sqlite", version)));
        output.WriteLine($"package install test took {total.Elapsed.TotalSeconds:F0} s");
    }

    private static string VersionOf(IEnumerable<string?> packageFiles, string id)
    {
        var file = packageFiles.Single(name => name!.StartsWith(id + ".", StringComparison.Ordinal)
            && char.IsAsciiDigit(name[id.Length + 1]) && !name.EndsWith(".snupkg", StringComparison.Ordinal))!;
        return file[(id.Length + 1)..^".nupkg".Length];
    }

    // The version the repository itself uses (Directory.Packages.props), so the run is reproducible and mostly served from the machine's cache.
    private static string CentralVersionOf(string repository, string id)
    {
        var props = System.Xml.Linq.XDocument.Load(Path.Combine(repository, "Directory.Packages.props"));
        return props.Descendants("PackageVersion")
            .Single(e => string.Equals((string?)e.Attribute("Include"), id, StringComparison.OrdinalIgnoreCase))
            .Attribute("Version")!.Value;
    }

    private static string NuGetConfig(string feed, string packages)
    {
        var thirdParty = Environment.GetEnvironmentVariable(ThirdPartySourceVariable) is { Length: > 0 } source ? source : DefaultThirdPartySource;
        var machineCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } cache
            ? cache
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var cacheSource = Directory.Exists(machineCache)
            ? $"""    <add key="machine-cache" value="{machineCache}" />{Environment.NewLine}"""
            : string.Empty;
        var cacheMapping = Directory.Exists(machineCache)
            ? $"""    <packageSource key="machine-cache"><package pattern="*" /></packageSource>{Environment.NewLine}"""
            : string.Empty;

        // Source mapping: ObjectOS.* only from the local folder (never from a public feed), everything else from the
        // machine's usual source (its already-downloaded packages first, to save time). A private packages folder keeps
        // the restore from reusing ObjectOS packages extracted by an earlier run.
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{packages}" />
              </config>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
            {cacheSource}    <add key="third-party" value="{thirdParty}" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="local"><package pattern="ObjectOS.*" /></packageSource>
            {cacheMapping}    <packageSource key="third-party"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ObjectOS.Storage.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("ObjectOS.Storage.slnx not found above " + AppContext.BaseDirectory);
    }

    private async Task<string> RunAsync(string workingDirectory, TimeSpan timeout, string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host runs inside `dotnet test`, whose MSBuild variables would leak into the nested builds.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("MSBUILD", StringComparison.Ordinal) || k == "DOTNET_HOST_PATH").ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["OBJECTOS_BUILD_SLOT"] = "package-test";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment.Remove("NUGET_PACKAGES");

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{fileName} {string.Join(' ', arguments)}` did not finish within {timeout}.\n{stdout}\n{stderr}");
        }

        process.WaitForExit(); // Flushes the asynchronous output readers.
        output.WriteLine($"$ {fileName} {string.Join(' ', arguments)}   ({stopwatch.Elapsed.TotalSeconds:F1} s, exit {process.ExitCode})");
        string text;
        lock (stdout)
        {
            text = stdout.ToString();
        }

        output.WriteLine(text);
        if (process.ExitCode != 0)
        {
            lock (stderr)
            {
                Assert.Fail($"`{fileName} {string.Join(' ', arguments)}` exited with {process.ExitCode}:\n{text}\n{stderr}");
            }
        }

        return text;
    }
}
