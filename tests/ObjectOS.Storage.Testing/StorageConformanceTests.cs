using System.Text;
using System.Text.Json;
using ObjectOS.Runtime;

namespace ObjectOS.Storage.Testing;

/// <summary>
/// The behaviour every backend must share. A backend's test project subclasses this and implements
/// <see cref="StorageTestBase.CreateBackend"/>; nothing else. Add a case here, not in one backend's tests,
/// whenever the behaviour is backend-independent.
/// </summary>
public abstract class StorageConformanceTests : StorageTestBase
{
    public sealed record Config(string Theme);

    public sealed class Profile
    {
        public string Name { get; set; } = "";
        public List<string> Tags { get; set; } = [];
    }

    private sealed class SelfReferencing
    {
        public SelfReferencing? Self { get; set; }
    }

    // ---------------------------------------------------------------- values

    [Fact]
    public virtual async Task Set_then_get_round_trips_a_record()
    {
        var storage = CreateStorage();
        await storage.SetAsync("config", new Config("dark"));
        Assert.Equal(new Config("dark"), await storage.GetAsync<Config>("config"));
    }

    [Fact]
    public virtual async Task Values_are_stored_as_camel_case_json_text()
    {
        var storage = CreateStorage();
        await storage.SetAsync("config", new Config("dark"));
        var bytes = await storage.GetBytesAsync("config");
        Assert.NotNull(bytes);
        Assert.Equal("""{"theme":"dark"}""", Encoding.UTF8.GetString(bytes.Value.Span));
    }

    [Fact]
    public virtual async Task Missing_key_returns_default_and_try_get_reports_missing()
    {
        var storage = CreateStorage();
        Assert.Null(await storage.GetAsync<Config>("nope"));
        Assert.Equal(0, await storage.GetAsync<int>("nope"));
        Assert.False((await storage.TryGetAsync<int>("nope")).Found);
        Assert.False(await storage.ExistsAsync("nope"));
        Assert.Null(await storage.GetBytesAsync("nope"));
        Assert.Null(await storage.GetTimeToLiveAsync("nope"));
    }

    [Fact]
    public virtual async Task A_stored_json_null_is_a_value_not_a_miss()
    {
        var storage = CreateStorage();
        await storage.SetAsync<Config?>("empty", null);
        var result = await storage.TryGetAsync<Config>("empty");
        Assert.True(result.Found);
        Assert.Null(result.Value);
        Assert.True(await storage.ExistsAsync("empty"));
        Assert.Equal(["empty"], await storage.KeysAsync());
        Assert.Equal("null", Encoding.UTF8.GetString((await storage.GetBytesAsync("empty"))!.Value.Span));
    }

    [Fact]
    public virtual async Task Stored_default_values_are_found()
    {
        var storage = CreateStorage();
        await storage.SetAsync("zero", 0);
        await storage.SetAsync("false", false);
        await storage.SetAsync("blank", "");
        Assert.Equal(new StorageResult<int>(true, 0), await storage.TryGetAsync<int>("zero"));
        Assert.Equal(new StorageResult<bool>(true, false), await storage.TryGetAsync<bool>("false"));
        Assert.Equal(new StorageResult<string>(true, ""), await storage.TryGetAsync<string>("blank"));
    }

    [Fact]
    public virtual async Task A_stored_value_is_a_snapshot_of_the_object()
    {
        var storage = CreateStorage();
        var profile = new Profile { Name = "ann", Tags = ["a"] };
        await storage.SetAsync("p", profile);
        profile.Name = "changed";
        profile.Tags.Add("b");

        var first = await storage.GetAsync<Profile>("p");
        Assert.Equal("ann", first!.Name);
        Assert.Equal(["a"], first.Tags);

        first.Tags.Add("mutated-after-get");
        var second = await storage.GetAsync<Profile>("p");
        Assert.Equal(["a"], second!.Tags);
        Assert.NotSame(first, second);
    }

    [Fact]
    public virtual async Task Source_generated_json_metadata_round_trips()
    {
        var storage = CreateStorage();
        var scoped = storage.GetScopedStorage("aot");
        var typeInfo = ConformanceJsonContext.Default.Config;
        await scoped.SetAsync("config", new Config("dark"), null, typeInfo);
        await scoped.SetAsync("brief", new Config("light"), ShortTtl, typeInfo);
        Assert.Equal(new Config("dark"), await scoped.GetAsync("config", typeInfo));
        Assert.Equal(new StorageResult<Config>(true, new Config("light")), await scoped.TryGetAsync("brief", typeInfo));
        Assert.False((await scoped.TryGetAsync("missing", typeInfo)).Found);
        Assert.Equal("""{"theme":"dark"}""", Encoding.UTF8.GetString((await scoped.GetBytesAsync("config"))!.Value.Span));
        await AdvanceAsync(ShortTtl * 2);
        Assert.Null(await scoped.GetAsync("brief", typeInfo));
    }

    [Fact]
    public virtual async Task Overwrite_replaces_the_value()
    {
        var storage = CreateStorage();
        await storage.SetAsync("k", 1);
        await storage.SetAsync("k", "two");
        Assert.Equal("two", await storage.GetAsync<string>("k"));
    }

    [Fact]
    public virtual async Task Anonymous_objects_and_json_elements_round_trip()
    {
        var storage = CreateStorage();
        await storage.SetAsync("session", new { user = "john", roles = new[] { "admin" } }, TimeSpan.FromMinutes(5));
        var element = await storage.GetAsync<JsonElement>("session");
        Assert.Equal("john", element.GetProperty("user").GetString());
        Assert.Equal("admin", element.GetProperty("roles")[0].GetString());
    }

    [Fact]
    public virtual async Task Unicode_newlines_and_large_values_round_trip()
    {
        var storage = CreateStorage();
        var text = "línea 1\nline 2 \"quoted\" \t 😀 \u0000 end";
        await storage.SetAsync("text", text);
        Assert.Equal(text, await storage.GetAsync<string>("text"));

        var big = new string('x', 1024 * 1024) + "😀";
        await storage.SetAsync("big", big);
        Assert.Equal(big, await storage.GetAsync<string>("big"));
    }

    [Fact]
    public virtual async Task A_value_that_cannot_be_serialized_throws_and_stores_nothing()
    {
        var storage = CreateStorage();
        await storage.SetAsync("keep", new Config("old"));
        var cyclic = new SelfReferencing();
        cyclic.Self = cyclic;

        await Assert.ThrowsAsync<StorageSerializationException>(async () => await storage.SetAsync("keep", cyclic));
        await Assert.ThrowsAsync<StorageSerializationException>(async () => await storage.SetAsync("new", double.NaN));

        Assert.Equal(new Config("old"), await storage.GetAsync<Config>("keep"));
        Assert.False(await storage.ExistsAsync("new"));
    }

    [Fact]
    public virtual async Task Reading_a_value_as_an_incompatible_type_throws_a_serialization_error()
    {
        var storage = CreateStorage();
        await storage.SetAsync("k", "text");
        var ex = await Assert.ThrowsAsync<StorageSerializationException>(async () => await storage.GetAsync<int>("k"));
        Assert.Contains("'k'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public virtual async Task A_value_over_the_size_limit_throws_and_stores_nothing()
    {
        var storage = CreateStorage(new StoragePluginOptions { MaxValueBytes = 64 });
        await storage.SetAsync("k", "small");
        var ex = await Assert.ThrowsAsync<StorageValueTooLargeException>(async () => await storage.SetAsync("k", new string('x', 100)));
        Assert.Equal(64, ex.MaxSize);
        Assert.Equal("small", await storage.GetAsync<string>("k"));
        await Assert.ThrowsAsync<StorageValueTooLargeException>(async () => await storage.SetBytesAsync("raw", new byte[100]));
        Assert.False(await storage.ExistsAsync("raw"));
    }

    [Fact]
    public virtual async Task Raw_bytes_round_trip_and_invalid_json_is_rejected()
    {
        var storage = CreateStorage();
        var json = """{"a":[1,2,{"b":"😀"}]}"""u8.ToArray();
        await storage.SetBytesAsync("raw", json);
        Assert.Equal(json, (await storage.GetBytesAsync("raw"))!.Value.ToArray());
        Assert.Equal(2, (await storage.GetAsync<JsonElement>("raw")).GetProperty("a")[1].GetInt32());

        await Assert.ThrowsAsync<ArgumentException>(async () => await storage.SetBytesAsync("raw", "{not json"u8.ToArray()));
        await Assert.ThrowsAsync<ArgumentException>(async () => await storage.SetBytesAsync("raw", ReadOnlyMemory<byte>.Empty));
        await Assert.ThrowsAsync<ArgumentException>(async () => await storage.SetBytesAsync("raw", "1 2"u8.ToArray()));
        Assert.Equal(json, (await storage.GetBytesAsync("raw"))!.Value.ToArray());
    }

    [Fact]
    public virtual async Task Raw_bytes_are_copied_on_set()
    {
        var storage = CreateStorage();
        var json = "[1,2,3]"u8.ToArray();
        await storage.SetBytesAsync("raw", json);
        json[1] = (byte)'9';
        Assert.Equal(new[] { 1, 2, 3 }, await storage.GetAsync<int[]>("raw"));
    }

    // ---------------------------------------------------------------- delete

    [Fact]
    public virtual async Task Delete_reports_whether_a_key_was_removed()
    {
        var storage = CreateStorage();
        await storage.SetAsync("k", 1);
        Assert.True(await storage.DeleteAsync("k"));
        Assert.False(await storage.DeleteAsync("k"));
        Assert.False(await storage.ExistsAsync("k"));
        Assert.Empty(await storage.KeysAsync());
    }

    // ---------------------------------------------------------------- TTL

    [Fact]
    public virtual async Task A_key_with_a_ttl_expires_and_never_comes_back()
    {
        var storage = CreateStorage();
        var scoped = storage.GetScopedStorage("ttl-plugin");
        await scoped.SetAsync("session", new { user = "john" }, ShortTtl);
        await scoped.SetAsync("stays", 1);
        Assert.True(await scoped.ExistsAsync("session"));
        Assert.Equal(["session", "stays"], await scoped.KeysAsync());

        await AdvanceAsync(ShortTtl * 2);

        Assert.Null(await scoped.GetAsync<JsonElement?>("session"));
        Assert.False((await scoped.TryGetAsync<JsonElement>("session")).Found);
        Assert.False(await scoped.ExistsAsync("session"));
        Assert.Null(await scoped.GetBytesAsync("session"));
        Assert.Null(await scoped.GetTimeToLiveAsync("session"));
        Assert.Equal(["stays"], await scoped.KeysAsync());
        Assert.Equal(["stays"], await scoped.KeysAsync("s*"));
        Assert.Equal(["ttl-plugin:stays"], await storage.KeysAsync());
        Assert.False(await scoped.DeleteAsync("session"));

        await AdvanceAsync(ShortTtl * 2);
        Assert.False(await scoped.ExistsAsync("session"));
    }

    [Fact]
    public virtual async Task A_live_key_is_visible_until_its_ttl()
    {
        var storage = CreateStorage();
        await storage.SetAsync("k", "v", UsesFakeTime ? TimeSpan.FromSeconds(60) : TimeSpan.FromSeconds(30));
        await AdvanceAsync(UsesFakeTime ? TimeSpan.FromSeconds(59) : TimeSpan.FromMilliseconds(50));
        Assert.Equal("v", await storage.GetAsync<string>("k"));
        var ttl = await storage.GetTimeToLiveAsync("k");
        Assert.NotNull(ttl);
        Assert.True(ttl > TimeSpan.Zero && ttl <= TimeSpan.FromSeconds(60), $"unexpected TTL {ttl}");
    }

    [Fact]
    public virtual async Task Sub_second_ttl_precision_is_kept()
    {
        var storage = CreateStorage();
        if (UsesFakeTime)
        {
            await storage.SetAsync("k", 1, TimeSpan.FromMilliseconds(1500));
            Time.Advance(TimeSpan.FromMilliseconds(1400));
            Assert.True(await storage.ExistsAsync("k"));
            Time.Advance(TimeSpan.FromMilliseconds(200));
            Assert.False(await storage.ExistsAsync("k"));
        }
        else
        {
            await storage.SetAsync("k", 1, TimeSpan.FromMilliseconds(300));
            var ttl = await storage.GetTimeToLiveAsync("k");
            Assert.True(ttl is { } t && t > TimeSpan.Zero && t <= TimeSpan.FromMilliseconds(300), $"unexpected TTL {ttl}");
            await Task.Delay(700);
            Assert.False(await storage.ExistsAsync("k"));
        }
    }

    [Fact]
    public virtual async Task Set_without_ttl_removes_an_earlier_ttl()
    {
        var storage = CreateStorage();
        await storage.SetAsync("k", 1, ShortTtl);
        await storage.SetAsync("k", 2, null);
        Assert.Equal(Timeout.InfiniteTimeSpan, await storage.GetTimeToLiveAsync("k"));
        await AdvanceAsync(ShortTtl * 2);
        Assert.Equal(2, await storage.GetAsync<int>("k"));
    }

    [Fact]
    public virtual async Task Set_with_a_ttl_replaces_an_earlier_ttl()
    {
        var storage = CreateStorage();
        await storage.SetAsync("k", 1);
        await storage.SetAsync("k", 2, ShortTtl);
        Assert.NotEqual(Timeout.InfiniteTimeSpan, await storage.GetTimeToLiveAsync("k"));
        await AdvanceAsync(ShortTtl * 2);
        Assert.False(await storage.ExistsAsync("k"));
    }

    [Fact]
    public virtual async Task Zero_or_negative_ttl_throws_and_stores_nothing()
    {
        var storage = CreateStorage();
        await storage.SetAsync("k", "old");
        foreach (var ttl in new[] { TimeSpan.Zero, TimeSpan.FromSeconds(-1), TimeSpan.MinValue, TimeSpan.MaxValue })
        {
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await storage.SetAsync("k", "new", ttl));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await storage.SetAsync("fresh", "new", ttl));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await storage.SetBytesAsync("fresh", "1"u8.ToArray(), ttl));
        }

        Assert.Equal("old", await storage.GetAsync<string>("k"));
        Assert.Equal(Timeout.InfiniteTimeSpan, await storage.GetTimeToLiveAsync("k"));
        Assert.False(await storage.ExistsAsync("fresh"));
    }

    [Fact]
    public virtual async Task Time_to_live_reports_missing_infinite_and_remaining()
    {
        var storage = CreateStorage();
        await storage.SetAsync("forever", 1);
        await storage.SetAsync("brief", 1, TimeSpan.FromSeconds(30));
        Assert.Null(await storage.GetTimeToLiveAsync("missing"));
        Assert.Equal(Timeout.InfiniteTimeSpan, await storage.GetTimeToLiveAsync("forever"));
        var left = await storage.GetTimeToLiveAsync("brief");
        Assert.True(left is { } t && t > TimeSpan.FromSeconds(25) && t <= TimeSpan.FromSeconds(30), $"unexpected TTL {left}");
    }

    [Fact]
    public virtual async Task A_key_set_again_after_expiry_survives_the_sweeper()
    {
        var storage = CreateStorage();
        await storage.SetAsync("k", "first", ShortTtl);
        await AdvanceAsync(ShortTtl * 2);
        await storage.SetAsync("k", "second");
        // Let any sweeper run (memory and SQLite sweep on the fake clock's timers; a minute and more passes).
        if (UsesFakeTime)
        {
            for (var i = 0; i < 5; i++)
            {
                Time.Advance(TimeSpan.FromMinutes(1));
                await Task.Delay(20);
            }
        }

        Assert.Equal("second", await storage.GetAsync<string>("k"));
        Assert.Equal(["k"], await storage.KeysAsync());
    }

    [Fact]
    public virtual async Task Clear_does_not_count_expired_keys()
    {
        var storage = CreateStorage();
        var scoped = storage.GetScopedStorage("p");
        await scoped.SetAsync("a", 1, ShortTtl);
        await scoped.SetAsync("b", 1);
        await AdvanceAsync(ShortTtl * 2);
        Assert.Equal(1, await scoped.ClearAsync());
        Assert.Empty(await scoped.KeysAsync());
    }

    // ---------------------------------------------------------------- patterns

    [Fact]
    public virtual async Task Seed_pattern_examples_work()
    {
        var storage = CreateStorage();
        foreach (var key in new[] { "user:1", "user:2:name", "config:1", "config:a", "config:10", "admin:name", "user:name", "other" })
        {
            await storage.SetAsync(key, 1);
        }

        Assert.Equal(["user:1", "user:2:name", "user:name"], await storage.KeysAsync("user:*"));
        Assert.Equal(["config:1", "config:a"], await storage.KeysAsync("config:?"));
        Assert.Equal(["admin:name", "user:2:name", "user:name"], await storage.KeysAsync("*:name"));
    }

    [Fact]
    public virtual async Task Keys_without_a_pattern_lists_everything_sorted_ordinally()
    {
        var storage = CreateStorage();
        string[] keys = ["b", "B", "a", "é", "😀", "a:b", "Z", "\uFFFD", "a\nb"];
        foreach (var key in keys)
        {
            await storage.SetAsync(key, 1);
        }

        var expected = keys.Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, await storage.KeysAsync());
        Assert.Equal(expected, await storage.KeysAsync("*"));
        Assert.Equal(expected, await storage.KeysAsync(""));
        Assert.Equal(expected, (await storage.EnumerateKeysAsync().ToListAsync()).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("[abc]*", new[] { "a1", "b2", "c:3" })]
    [InlineData("[a-b]?", new[] { "a1", "b2" })]
    [InlineData("[!a]?", new[] { "b2", "x*" })]
    [InlineData("[^ab]?", new[] { "x*" })]
    [InlineData("x\\*", new[] { "x*" })]
    [InlineData("x[*]", new[] { "x*" })]
    [InlineData("*\\?", new[] { "what?" })]
    [InlineData("\\[lit]", new[] { "[lit]" })]
    [InlineData("?", new[] { "😀" })]
    [InlineData("??", new[] { "a1", "b2", "x*" })]
    [InlineData("line*", new[] { "line1\nline2" })]
    [InlineData("*2", new[] { "b2", "line1\nline2" })]
    [InlineData("A*", new string[0])]
    [InlineData("c:3", new[] { "c:3" })]
    public virtual async Task Pattern_grammar_is_the_same_on_every_backend(string pattern, string[] expected)
    {
        var storage = CreateStorage();
        foreach (var key in new[] { "a1", "b2", "c:3", "x*", "what?", "[lit]", "😀", "line1\nline2" })
        {
            await storage.SetAsync(key, 1);
        }

        Assert.Equal(expected.Order(StringComparer.Ordinal), await storage.KeysAsync(pattern));
        var scoped = storage.GetScopedStorage("scope");
        foreach (var key in new[] { "a1", "b2", "c:3", "x*", "what?", "[lit]", "😀", "line1\nline2" })
        {
            await scoped.SetAsync(key, 1);
        }

        Assert.Equal(expected.Order(StringComparer.Ordinal), await scoped.KeysAsync(pattern));
    }

    [Theory]
    [InlineData("[abc")]
    [InlineData("abc\\")]
    [InlineData("[z-a]")]
    public virtual async Task A_malformed_pattern_throws_argument_exception(string pattern)
    {
        var storage = CreateStorage();
        await storage.SetAsync("k", 1);
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await storage.KeysAsync(pattern));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await storage.GetScopedStorage("p").KeysAsync(pattern));
        Assert.ThrowsAny<ArgumentException>(() => storage.EnumerateKeysAsync(pattern));
    }

    [Fact]
    public virtual async Task Patterns_are_case_sensitive()
    {
        var storage = CreateStorage();
        await storage.SetAsync("User:1", 1);
        await storage.SetAsync("user:1", 1);
        Assert.Equal(["user:1"], await storage.KeysAsync("user:*"));
        Assert.Equal(["User:1"], await storage.KeysAsync("U*"));
    }

    [Fact]
    public virtual async Task Keys_with_many_matches_are_all_listed()
    {
        var storage = CreateStorage();
        var scoped = storage.GetScopedStorage("bulk");
        await Task.WhenAll(Enumerable.Range(0, 1500).Select(i => scoped.SetAsync($"item:{i:D5}", i).AsTask()));
        await storage.GetScopedStorage("bulk2").SetAsync("item:00001", 1);
        var keys = await scoped.KeysAsync("item:*");
        Assert.Equal(1500, keys.Count);
        Assert.Equal(Enumerable.Range(0, 1500).Select(i => $"item:{i:D5}"), keys);
        Assert.Equal(Enumerable.Range(10, 10).Select(i => $"item:{i:D5}"), await scoped.KeysAsync("item:0001?"));
        Assert.Equal(1500, await scoped.EnumerateKeysAsync("item:*").CountAsync());
        Assert.Equal(1500, await scoped.ClearAsync());
        Assert.Equal(["bulk2:item:00001"], await storage.KeysAsync());
    }

    // ---------------------------------------------------------------- keys

    public static TheoryData<string> UnusualKeys => new()
    {
        "with:colons:inside", "with spaces", "star*", "question?", "[brackets]", "back\\slash", "new\nline", "tab\t",
        "emoji😀", "ünïcödé", "日本語", "%_like_%", "'; DROP TABLE storage; --", "{hash}tag", "\u00A0nbsp",
    };

    [Theory]
    [MemberData(nameof(UnusualKeys))]
    public virtual async Task Any_unicode_key_round_trips_and_is_listed(string key)
    {
        var storage = CreateStorage();
        var scoped = storage.GetScopedStorage("keys");
        await scoped.SetAsync(key, key);
        Assert.Equal(key, await scoped.GetAsync<string>(key));
        Assert.Equal([key], await scoped.KeysAsync());
        Assert.Equal([key], await scoped.KeysAsync(GlobPattern.Escape(key)));
        Assert.Equal(["keys:" + key], await storage.KeysAsync());
        Assert.True(await scoped.DeleteAsync(key));
        Assert.Empty(await storage.KeysAsync());
    }

    [Fact]
    public virtual async Task Invalid_keys_throw_argument_exceptions_naming_the_problem()
    {
        var storage = CreateStorage();
        var tooLong = new string('k', storage.Options.MaxKeyLength + 1);
        var ex = await Assert.ThrowsAnyAsync<ArgumentException>(async () => await storage.SetAsync<int>(null!, 1));
        Assert.Contains("null", ex.Message, StringComparison.OrdinalIgnoreCase);
        ex = await Assert.ThrowsAnyAsync<ArgumentException>(async () => await storage.SetAsync("", 1));
        Assert.Contains("empty", ex.Message, StringComparison.OrdinalIgnoreCase);
        ex = await Assert.ThrowsAnyAsync<ArgumentException>(async () => await storage.SetAsync(tooLong, 1));
        Assert.Contains("maximum", ex.Message, StringComparison.OrdinalIgnoreCase);
        ex = await Assert.ThrowsAnyAsync<ArgumentException>(async () => await storage.SetAsync("bad\uD800", 1));
        Assert.Contains("surrogate", ex.Message, StringComparison.OrdinalIgnoreCase);

        foreach (var key in new[] { null!, "", tooLong, "\uDC00x" })
        {
            await Assert.ThrowsAnyAsync<ArgumentException>(async () => await storage.GetAsync<int>(key));
            await Assert.ThrowsAnyAsync<ArgumentException>(async () => await storage.GetBytesAsync(key));
            await Assert.ThrowsAnyAsync<ArgumentException>(async () => await storage.DeleteAsync(key));
            await Assert.ThrowsAnyAsync<ArgumentException>(async () => await storage.ExistsAsync(key));
            await Assert.ThrowsAnyAsync<ArgumentException>(async () => await storage.GetScopedStorage("p").SetAsync(key, 1));
        }

        Assert.Empty(await storage.KeysAsync());
        var longest = new string('k', storage.Options.MaxKeyLength);
        await storage.SetAsync(longest, 1);
        Assert.True(await storage.ExistsAsync(longest));
    }

    // ---------------------------------------------------------------- scopes

    [Fact]
    public virtual async Task Scopes_are_isolated_from_each_other()
    {
        var storage = CreateStorage();
        var a = storage.GetScopedStorage("a");
        var ab = storage.GetScopedStorage("ab");
        var aDotB = storage.GetScopedStorage("a.b");
        await a.SetAsync("x", "a");
        await ab.SetAsync("x", "ab");
        await aDotB.SetAsync("x", "a.b");
        await a.SetAsync("b:x", "a-nested");

        Assert.Equal("a", await a.GetAsync<string>("x"));
        Assert.Equal("ab", await ab.GetAsync<string>("x"));
        Assert.Equal("a.b", await aDotB.GetAsync<string>("x"));
        Assert.Equal(["b:x", "x"], await a.KeysAsync());
        Assert.Equal(["x"], await ab.KeysAsync("*"));
        Assert.Empty(await ab.KeysAsync("b:*"));
        Assert.Equal(["a.b:x", "a:b:x", "a:x", "ab:x"], await storage.KeysAsync());
        Assert.Equal("a", a.PluginId);

        Assert.Equal(2, await a.ClearAsync());
        Assert.Empty(await a.KeysAsync());
        Assert.Equal("ab", await ab.GetAsync<string>("x"));
        Assert.Equal(["a.b:x", "ab:x"], await storage.KeysAsync());
    }

    [Fact]
    public virtual async Task The_root_store_sees_scoped_keys_with_the_plugin_prefix()
    {
        var storage = CreateStorage();
        await storage.GetScopedStorage("my-plugin").SetAsync("config", new Config("dark"));
        Assert.Equal(new Config("dark"), await storage.GetAsync<Config>("my-plugin:config"));
        await storage.SetAsync("my-plugin:other", 1);
        Assert.Equal(["config", "other"], await storage.GetScopedStorage("my-plugin").KeysAsync());
        Assert.Equal(["my-plugin:config", "my-plugin:other"], await storage.KeysAsync("my-plugin:*"));
    }

    [Fact]
    public virtual async Task Root_and_scoped_spellings_of_a_key_are_the_same_entry()
    {
        var storage = CreateStorage();
        var scoped = storage.GetScopedStorage("p");
        await storage.SetAsync("p:a:b", 1);
        Assert.Equal(1, await scoped.GetAsync<int>("a:b"));
        await scoped.SetAsync("a:b", 2);
        Assert.Equal(2, await storage.GetAsync<int>("p:a:b"));
        Assert.Equal(["p:a:b"], await storage.KeysAsync());
        Assert.True(await storage.DeleteAsync("p:a:b"));
        Assert.False(await scoped.ExistsAsync("a:b"));
        Assert.Empty(await scoped.KeysAsync());
    }

    [Theory]
    [InlineData("a:b")]
    [InlineData("a*")]
    [InlineData("a?")]
    [InlineData("*")]
    [InlineData("[a]")]
    [InlineData("a\\b")]
    [InlineData("a b")]
    [InlineData("")]
    [InlineData("ü")]
    [InlineData("a\n")]
    public virtual void Invalid_plugin_ids_are_rejected(string pluginId)
    {
        var storage = CreateStorage();
        var ex = Assert.ThrowsAny<ArgumentException>(() => storage.GetScopedStorage(pluginId));
        Assert.Contains("Plugin id", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("@objectos/auth")]
    [InlineData("my-plugin")]
    [InlineData("com.acme.crm")]
    [InlineData("snake_case")]
    [InlineData("A1")]
    public virtual async Task Real_plugin_names_are_valid_ids(string pluginId)
    {
        var storage = CreateStorage();
        var scoped = storage.GetScopedStorage(pluginId);
        await scoped.SetAsync("k", 1);
        Assert.Equal([$"{pluginId}:k"], await storage.KeysAsync());
    }

    [Fact]
    public virtual async Task A_scope_pattern_cannot_reach_other_scopes()
    {
        var storage = CreateStorage();
        await storage.GetScopedStorage("a").SetAsync("k", 1);
        await storage.GetScopedStorage("ab").SetAsync("k", 1);
        await storage.SetAsync("ak", 1);
        var a = storage.GetScopedStorage("a");
        foreach (var pattern in new[] { "*", "*k", "?", "*:*", "b:*", "[a-z]*", "\\*" })
        {
            Assert.All(await a.KeysAsync(pattern), key => Assert.Equal("k", key));
        }
    }

    [Fact]
    public virtual async Task Root_clear_removes_everything_and_reports_the_count()
    {
        var storage = CreateStorage();
        await storage.SetAsync("root", 1);
        await storage.GetScopedStorage("p1").SetAsync("k", 1);
        await storage.GetScopedStorage("p2").SetAsync("k", 1);
        Assert.Equal(3, await storage.ClearAsync());
        Assert.Empty(await storage.KeysAsync());
        Assert.Equal(0, await storage.ClearAsync());
    }

    // ---------------------------------------------------------------- enforced isolation through the kernel

    private sealed class ProbePlugin(string name, Func<IPluginContext, Task> init, params string[] dependencies) : IPlugin
    {
        public string Name => name;

        public string Version => "1.0.0";

        public IReadOnlyList<string> Dependencies => dependencies;

        public Task InitAsync(IPluginContext context) => init(context);
    }

    [Fact]
    public virtual async Task The_seed_usage_works_through_the_kernel()
    {
        var storage = CreateStorage();
        IReadOnlyList<string>? listed = null;
        Config? read = null;
        bool removed = false;
        var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(storage);
        await kernel.RegisterPluginAsync(new ProbePlugin("my-plugin", async context =>
        {
            var service = context.GetService<IStorageService>("storage");
            var scoped = service.GetScopedStorage("my-plugin");
            await scoped.SetAsync("config", new Config("dark"));
            read = await scoped.GetAsync<Config>("config");
            await scoped.SetAsync("session", new { user = "john" }, TimeSpan.FromSeconds(60));
            await scoped.SetAsync("config:theme", "dark");
            listed = await scoped.KeysAsync("config:*");
            removed = await scoped.DeleteAsync("config");
            await scoped.ClearAsync();
        }));
        await kernel.StartAsync();

        Assert.Equal(new Config("dark"), read);
        Assert.Equal(["config:theme"], listed);
        Assert.True(removed);
        Assert.Empty(await storage.KeysAsync());
        Assert.Same(storage, kernel.GetService<IStorageService>("storage"));
        await kernel.StopAsync();
    }

    [Fact]
    public virtual async Task A_plugin_can_only_open_its_own_scope()
    {
        var storage = CreateStorage();
        await storage.GetScopedStorage("victim").SetAsync("secret", "s3cr3t");
        await storage.SetAsync("root-key", 1);
        var failures = new List<Exception>();
        IStorageService? service = null;

        var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(storage);
        await kernel.RegisterPluginAsync(new ProbePlugin("attacker", async context =>
        {
            service = context.GetService<IStorageService>("storage");
            await service.GetScopedStorage("attacker").SetAsync("mine", 1);
        }));
        await kernel.StartAsync();

        var svc = service!;
        Assert.Equal(["mine"], await svc.GetScopedStorage("attacker").KeysAsync());
        Assert.Throws<StorageAccessDeniedException>(() => svc.GetScopedStorage("victim"));
        await Assert.ThrowsAsync<StorageAccessDeniedException>(async () => await svc.GetAsync<string>("victim:secret"));
        await Assert.ThrowsAsync<StorageAccessDeniedException>(async () => await svc.KeysAsync());
        await Assert.ThrowsAsync<StorageAccessDeniedException>(async () => await svc.ClearAsync());
        await Assert.ThrowsAsync<StorageAccessDeniedException>(async () => await svc.SetAsync("victim:secret", "x"));
        await Assert.ThrowsAsync<StorageAccessDeniedException>(async () => await svc.DeleteAsync("victim:secret"));
        Assert.ThrowsAny<ArgumentException>(() => svc.GetScopedStorage("attacker:x"));
        Assert.ThrowsAny<ArgumentException>(() => svc.GetScopedStorage("attacker*"));
        Assert.IsNotType<StoragePlugin>(svc);

        Assert.Equal("s3cr3t", await storage.GetScopedStorage("victim").GetAsync<string>("secret"));
        Assert.Equal(3, (await storage.KeysAsync()).Count);
        await kernel.StopAsync();
    }

    [Fact]
    public virtual async Task The_host_can_grant_a_plugin_more_access()
    {
        var options = new StoragePluginOptions();
        options.AccessPolicy.GrantRootAccess("admin").GrantScopeAccess("backup", "victim");
        var storage = CreateStorage(options);
        await storage.GetScopedStorage("victim").SetAsync("secret", 1);

        var admin = storage.GetServiceForPlugin("admin");
        Assert.Equal(["victim:secret"], await admin.KeysAsync());
        Assert.Equal(1, await admin.GetScopedStorage("victim").GetAsync<int>("secret"));

        var backup = storage.GetServiceForPlugin("backup");
        Assert.Equal(["secret"], await backup.GetScopedStorage("victim").KeysAsync());
        Assert.Throws<StorageAccessDeniedException>(() => backup.GetScopedStorage("other"));
        await Assert.ThrowsAsync<StorageAccessDeniedException>(async () => await backup.KeysAsync());
    }

    // ---------------------------------------------------------------- concurrency and lifecycle

    [Fact]
    public virtual async Task Concurrent_writers_of_distinct_keys_all_land()
    {
        var storage = CreateStorage();
        var scoped = storage.GetScopedStorage("concurrent");
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(async () => await scoped.SetAsync($"k{i:D3}", i))));
        var keys = await scoped.KeysAsync();
        Assert.Equal(200, keys.Count);
        for (var i = 0; i < 200; i += 37)
        {
            Assert.Equal(i, await scoped.GetAsync<int>($"k{i:D3}"));
        }
    }

    [Fact]
    public virtual async Task Two_writers_on_one_key_leave_one_of_their_values()
    {
        var storage = CreateStorage();
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await storage.SetAsync("contended", new Profile { Name = $"writer{w}", Tags = [$"{w}-{i}"] });
            }
        }));
        var reader = Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                var value = await storage.GetAsync<Profile>("contended");
                if (value is not null)
                {
                    Assert.StartsWith(value.Name[^1..] + "-", value.Tags.Single(), StringComparison.Ordinal);
                }
            }
        });
        await Task.WhenAll(writers.Append(reader));
        var final = await storage.GetAsync<Profile>("contended");
        Assert.Contains(final!.Tags.Single(), new[] { "0-49", "1-49" });
    }

    [Fact]
    public virtual async Task The_storage_works_without_a_kernel_right_after_construction()
    {
        var storage = CreateStorage();
        await storage.SetAsync("k", 1);
        Assert.Equal(1, await storage.GetAsync<int>("k"));
        var health = await storage.CheckHealthAsync();
        Assert.True(health.IsHealthy, health.Description);
        Assert.Equal(["k"], await storage.KeysAsync());
    }

    [Fact]
    public virtual async Task Health_checks_write_no_visible_key()
    {
        var storage = CreateStorage();
        await storage.SetAsync("__health_check__", "user data");
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await storage.CheckHealthAsync()).IsHealthy);
        }

        Assert.Equal(["__health_check__"], await storage.KeysAsync());
        Assert.Equal("user data", await storage.GetAsync<string>("__health_check__"));
    }

    [Fact]
    public virtual async Task Cancellation_is_honoured()
    {
        var storage = CreateStorage();
        await storage.SetAsync("k", 1);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await storage.SetAsync("k2", 1, cancellationToken: cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await storage.KeysAsync(cancellationToken: cts.Token));
    }
}
