using System.CommandLine;
using System.Text;
using System.Text.Json;
using ObjectOS.Runtime;
using Spectre.Console;

namespace ObjectOS.Storage.Cli;

/// <summary>
/// The <c>demo</c> command: the sample host. A kernel with the storage plugin and two plugins shows scoped writes and
/// reads, the physical key layout, TTL expiry and enforced isolation, on the chosen store (default: the SQLite file).
/// </summary>
internal sealed partial class StoreCommands
{
    private const string NotesPlugin = "demo-notes";
    private const string SettingsPlugin = "demo-settings";
    private static readonly string[] KernelHeader = ["Plugin", "Version"];
    private static readonly string[] ScopedHeader = ["Plugin", "Key", "Value"];
    private static readonly string[] LayoutHeader = ["Physical key (host view)"];
    private static readonly string[] IsolationHeader = ["Attempt", "Result"];
    private static readonly string[] TtlHeader = ["When", "GetAsync(\"session\")", "TTL / KeysAsync"];

    private Command BuildDemo()
    {
        var ttlOption = new Option<string>("--ttl") { Description = "The TTL of the demo's session key.", DefaultValueFactory = _ => "1s", HelpName = "DURATION" };
        var command = Define("demo",
            $"Run the sample host: an ObjectOS kernel with the storage plugin and two plugins ({NotesPlugin}, {SettingsPlugin}) showing scoped storage, TTL expiry and isolation.",
            ttlOption);
        command.SetAction(async (parse, ct) =>
        {
            var ttl = Duration.ParseTimeToLive(parse.GetValue(ttlOption)!);
            if (ttl > TimeSpan.FromSeconds(30))
            {
                throw new ArgumentException("--ttl must be at most 30s: the demo waits for the key to expire.");
            }

            var report = new DemoReport(Terminal, Json(parse));
            await using var session = await OpenAsync(parse, ct).ConfigureAwait(false);
            await RunDemoAsync(session, ttl, report, ct).ConfigureAwait(false);
            report.Finish(session.Uri.Redacted);
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task RunDemoAsync(StoreSession session, TimeSpan ttl, DemoReport report, CancellationToken ct)
    {
        report.Title($"ObjectOS.Storage demo on {session.Uri.Redacted}");

        // 1. The host: a kernel with the storage plugin and two plugins that look the storage service up in InitAsync.
        var notes = new DemoPlugin(NotesPlugin, session.Storage.Name);
        var settings = new DemoPlugin(SettingsPlugin, session.Storage.Name);
        var kernel = new ObjectOSKernel();
        await using (kernel.ConfigureAwait(false))
        {
            await kernel.RegisterPluginAsync(session.Storage).ConfigureAwait(false);
            await kernel.RegisterPluginAsync(notes).ConfigureAwait(false);
            await kernel.RegisterPluginAsync(settings).ConfigureAwait(false);
            await kernel.StartAsync(ct).ConfigureAwait(false);
            report.Step("kernel", "Kernel started", KernelHeader, [.. kernel.Plugins.Select(p => new[] { p.Name, p.Version })]);

            // 2. Scoped writes: both plugins use the key "owner", each in its own scope.
            await notes.Storage.SetAsync("owner", NotesPlugin, null, DemoJson.Default.String, ct).ConfigureAwait(false);
            await notes.Storage.SetAsync("note:1", new DemoNote("Hello", "Stored by demo-notes in its own scope."), null, DemoJson.Default.DemoNote, ct).ConfigureAwait(false);
            await notes.Storage.SetAsync("note:2", new DemoNote("Isolation", "No other plugin can read this."), null, DemoJson.Default.DemoNote, ct).ConfigureAwait(false);
            await settings.Storage.SetAsync("owner", SettingsPlugin, null, DemoJson.Default.String, ct).ConfigureAwait(false);
            await settings.Storage.SetAsync("config", new DemoConfig("dark", 14), null, DemoJson.Default.DemoConfig, ct).ConfigureAwait(false);
            var writes = new List<string[]>();
            foreach (var plugin in new[] { notes, settings })
            {
                foreach (var key in await plugin.Storage.KeysAsync(cancellationToken: ct).ConfigureAwait(false))
                {
                    writes.Add([plugin.Name, key, await ReadTextAsync(plugin.Storage, key, ct).ConfigureAwait(false)]);
                }
            }

            report.Step("scoped", "Scoped writes and reads: each plugin sees only its own keys (both have an 'owner' key)", ScopedHeader, writes);

            // 3. The physical layout the host sees: <pluginId>:<key>.
            var physical = new List<string[]>();
            physical.AddRange((await session.Storage.KeysAsync("demo-*", ct).ConfigureAwait(false)).Select(k => new[] { k }));
            report.Step("layout", "The host's unscoped view: keys are stored as <pluginId>:<key>", LayoutHeader, physical);

            // 4. Isolation: a plugin cannot open another plugin's scope, nor the unscoped root.
            var isolation = new List<string[]>();
            isolation.Add(await AttemptAsync($"{NotesPlugin}: GetScopedStorage(\"{SettingsPlugin}\").GetAsync(\"config\")",
                async () => await notes.Service.GetScopedStorage(SettingsPlugin).GetBytesAsync("config", ct).ConfigureAwait(false)).ConfigureAwait(false));
            isolation.Add(await AttemptAsync($"{SettingsPlugin}: KeysAsync() on the unscoped root",
                async () => await settings.Service.KeysAsync(cancellationToken: ct).ConfigureAwait(false)).ConfigureAwait(false));
            isolation.Add(await AttemptAsync($"{SettingsPlugin}: GetAsync(\"{NotesPlugin}:note:1\") on the root",
                async () => await settings.Service.GetBytesAsync($"{NotesPlugin}:note:1", ct).ConfigureAwait(false)).ConfigureAwait(false));
            report.Step("isolation", "Enforced isolation: StorageAccessDeniedException", IsolationHeader, isolation);

            // 5. TTL: a session key that expires.
            await settings.Storage.SetAsync("session", new DemoSession("john"), ttl, DemoJson.Default.DemoSession, ct).ConfigureAwait(false);
            var left = await settings.Storage.GetTimeToLiveAsync("session", ct).ConfigureAwait(false);
            var before = await settings.Storage.GetBytesAsync("session", ct).ConfigureAwait(false);
            var rows = new List<string[]>
            {
                new[] { "just set", before is { } b ? Encoding.UTF8.GetString(b.Span) : "(missing)", left is { } l ? "expires in " + Duration.Format(l) : "(missing)" },
            };
            report.Progress($"Waiting {Duration.Format(ttl + TimeSpan.FromMilliseconds(250))} for the session key to expire...");
            await Task.Delay(ttl + TimeSpan.FromMilliseconds(250), ct).ConfigureAwait(false);
            var after = await settings.Storage.GetBytesAsync("session", ct).ConfigureAwait(false);
            var listed = (await settings.Storage.KeysAsync(cancellationToken: ct).ConfigureAwait(false)).Contains("session");
            rows.Add(["after " + Duration.Format(ttl + TimeSpan.FromMilliseconds(250)), after is null ? "null (expired)" : "still there!", listed ? "still listed!" : "not listed by KeysAsync"]);
            if (after is not null || listed)
            {
                throw new CliException(ExitCodes.Failure, "The demo's session key did not expire: TTL is broken on this store.");
            }

            report.Step("ttl", $"TTL: a session key set with a {Duration.Format(ttl)} time to live expires", TtlHeader, rows);
            await kernel.StopAsync(ct).ConfigureAwait(false);
        }

        static async Task<string[]> AttemptAsync(string attempt, Func<Task> action)
        {
            try
            {
                await action().ConfigureAwait(false);
            }
            catch (StorageAccessDeniedException ex)
            {
                return [attempt, "denied: " + ex.Message];
            }

            throw new CliException(ExitCodes.Failure, $"Isolation is broken: '{attempt}' was allowed.");
        }

        static async Task<string> ReadTextAsync(IKeyValueStore store, string key, CancellationToken ct)
            => await store.GetBytesAsync(key, ct).ConfigureAwait(false) is { } bytes ? Encoding.UTF8.GetString(bytes.Span) : "(missing)";
    }

    /// <summary>A demo plugin: looks up its storage service in <c>InitAsync</c>, as any plugin would.</summary>
    private sealed class DemoPlugin(string name, string storagePlugin) : IPlugin
    {
        public string Name => name;

        public string Version => "1.0.0";

        public IReadOnlyList<string> Dependencies { get; } = [storagePlugin];

        public IStorageService Service { get; private set; } = null!;

        public IScopedStorage Storage { get; private set; } = null!;

        public Task InitAsync(IPluginContext context)
        {
            Service = context.GetService<IStorageService>(StoragePluginOptions.DefaultServiceName);
            Storage = Service.GetScopedStorage(Name);
            return Task.CompletedTask;
        }
    }

    /// <summary>Renders the demo as it runs (tables), or collects it into one JSON document for <c>--json</c>.</summary>
    private sealed class DemoReport(Terminal terminal, bool json)
    {
        private readonly List<(string Id, string Title, string[] Header, List<string[]> Rows)> _steps = [];

        public void Title(string text)
        {
            if (!json)
            {
                terminal.Out.Write(new Rule(Markup.Escape(text)).LeftJustified());
            }
        }

        public void Progress(string text)
        {
            if (!json)
            {
                terminal.Out.WriteLine(text);
            }
        }

        public void Step(string id, string title, string[] header, List<string[]> rows)
        {
            _steps.Add((id, title, header, rows));
            if (json)
            {
                return;
            }

            terminal.Out.WriteLine();
            var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(title));
            foreach (var column in header)
            {
                table.AddColumn(Markup.Escape(column));
            }

            foreach (var row in rows)
            {
                table.AddRow(row.Select(cell => new Text(Terminal.Printable(cell))).ToArray());
            }

            terminal.Out.Write(table);
        }

        public void Finish(string store)
        {
            if (!json && store.StartsWith("memory:", StringComparison.OrdinalIgnoreCase))
            {
                terminal.Out.WriteLine();
                terminal.Out.WriteLine("Done. (A memory: store ends with the process; run the demo on the default SQLite file to keep its keys.)");
                return;
            }

            if (!json)
            {
                terminal.Out.WriteLine();
                terminal.Out.WriteLine($"Done. The demo's keys stay in {store}; look at them with:");
                terminal.Out.WriteLine($"  {CliApp.Name} plugins");
                terminal.Out.WriteLine($"  {CliApp.Name} keys --plugin {NotesPlugin}");
                terminal.Out.WriteLine($"  {CliApp.Name} get --plugin {SettingsPlugin} config");
                return;
            }

            terminal.WriteJson(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("store", store);
                writer.WriteStartArray("steps");
                foreach (var (id, title, header, rows) in _steps)
                {
                    writer.WriteStartObject();
                    writer.WriteString("step", id);
                    writer.WriteString("title", title);
                    writer.WriteStartArray("rows");
                    foreach (var row in rows)
                    {
                        writer.WriteStartObject();
                        for (var i = 0; i < row.Length; i++)
                        {
                            writer.WriteString(JsonNamingPolicy.CamelCase.ConvertName(header[i].Split(' ', '(')[0]), row[i]);
                        }

                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            });
        }
    }
}

/// <summary>A note the demo's notes plugin stores.</summary>
internal sealed record DemoNote(string Title, string Body);

/// <summary>The settings plugin's configuration.</summary>
internal sealed record DemoConfig(string Theme, int FontSize);

/// <summary>A short-lived session.</summary>
internal sealed record DemoSession(string User);

/// <summary>Source-generated JSON metadata for the demo's values.</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(DemoNote))]
[System.Text.Json.Serialization.JsonSerializable(typeof(DemoConfig))]
[System.Text.Json.Serialization.JsonSerializable(typeof(DemoSession))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class DemoJson : System.Text.Json.Serialization.JsonSerializerContext;
