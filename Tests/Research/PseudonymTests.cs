using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dilemma.Tests.Ai;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Rooms;
using Dilemma.Tests.Sessions;
using Microsoft.Extensions.Configuration;

namespace Dilemma.Tests.Research;

/// <summary>An embedded gateway that pseudonymises exports under a known key, as an operator would configure it.</summary>
public sealed class PseudonymGatewayFixture : IAsyncLifetime
{
    public const string Key = "pseudonym-tests-secret-0123456789abcdef";

    /// <summary>What turns pseudonyms on where the export runs (the test hosts turn them off by default).</summary>
    public static IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Research:Pseudonymise"] = "true",
        ["Research:PseudonymKey"] = Key,
    };

    public GatewayFactory Factory { get; } = new(new Dictionary<string, string?>(Settings));

    public HttpClient Client { get; private set; } = null!;

    public IGrainFactory Grains => (IGrainFactory)Factory.Services.GetService(typeof(IGrainFactory))!;

    public ValueTask InitializeAsync()
    {
        Client = Factory.CreateClient();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
    }
}

/// <summary>
/// A silo on MariaDB and Redis that pseudonymises exports under the same key, with a cluster-mode gateway in front: a
/// collection of its own, so that the other cluster tests keep raw ids. The export runs in the silo, so the settings go there.
/// </summary>
public sealed class ClusterPseudonymFixture(LocalServices services) : IAsyncLifetime
{
    public ClusterDeployment Deployment { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public IGrainFactory Grains { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        Deployment = await ClusterDeployment.CreateAsync(services, "pseudonym_", ct);

        // Added after the deployment's own settings, so these win.
        await Deployment.StartSiloAsync(ct, builder => builder.Configuration.AddInMemoryCollection(PseudonymGatewayFixture.Settings));
        var gateway = Deployment.CreateGateway();
        Client = gateway.CreateClient();
        Grains = (IGrainFactory)gateway.Services.GetService(typeof(IGrainFactory))!;
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (Deployment is not null)
        {
            await Deployment.DisposeAsync();
        }
    }
}

/// <summary>
/// Research:Pseudonymise: every user id in every sheet is the documented keyed hash for the export's study, recomputed
/// here from the documentation (HKDF-SHA256, then HMAC-SHA256), so the same person is the same within a study and
/// another across studies; no raw id is left, and names stay out unless asked for.
/// </summary>
public abstract class PseudonymTests(HttpClient client, IGrainFactory grains)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pseudonyms_are_stable_within_a_study_and_its_sessions_different_across_studies_and_no_raw_id_or_name_is_exported()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var study = "pseudo-" + Guid.NewGuid().ToString("N")[..8];
        var session = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, studyLabel: study));
        var students = await SessionKit.EnrolledAsync(client, session, 3, Ct);
        var room = Assert.Single(SessionKit.Rooms(await SessionKit.StartAsync(facilitator, session, Ct))).GetProperty("room_code").GetString()!;
        var players = students.OrderBy(s => s.UserId).ToArray();
        await HttpAssert.OkAsync<JsonElement>(await AiKit.QuestionsAsync(players[0], room, Ct));
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[1], room, 1, 0, 3, Ct), System.Net.HttpStatusCode.Created);

        async Task<Workbook> ExportAsync(string query) =>
            (await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}&{query}", Ct)).Workbook;

        var first = await ExportAsync($"study={study}");
        var again = await ExportAsync($"study={study}");
        var bySession = await ExportAsync($"session={session}");
        var unfiltered = await ExportAsync(string.Empty);
        var named = await ExportAsync($"study={study}&include_nicknames=true");

        var expected = players.Select(p => Pseudonym(study, p.UserId)).Order().ToList();
        var expectedDefault = players.Select(p => Pseudonym("default", p.UserId)).Order().ToList();
        Assert.Equal(expected, UserIds(first));
        Assert.Equal(expected, UserIds(again));
        Assert.Equal(expected, UserIds(named));

        // A session's export is pseudonymised for the session's study, so it can be joined with the study's export;
        // with neither filter (rooms of other studies may be in it), the default study's pseudonyms.
        Assert.Equal(expected, UserIds(bySession));
        Assert.Equal(expectedDefault, UserIds(unfiltered).Intersect(expectedDefault).Order().ToList());
        Assert.Empty(expected.Intersect(expectedDefault));
        Assert.All(expected, p => Assert.InRange(p, 1_000_000_000_000_000L, 8_999_999_999_999_999L));

        // Every user id column of every data sheet holds pseudonyms only (small raw ids could equal a count, so the
        // columns are checked rather than every cell); names only when asked for.
        foreach (var workbook in new[] { first, bySession, unfiltered, named })
        {
            foreach (var sheet in workbook.SheetNames.Where(s => s is not "codebook" and not "manifest"))
            {
                var header = workbook[sheet][0].Select(h => (string?)h).ToList();
                var idColumns = header.Select((name, index) => (name, index)).Where(c => c.name is "user_id" or "peer_user_id" or "actor_id" or "submitted_by").Select(c => c.index).ToList();
                var ids = workbook[sheet].Skip(1).SelectMany(r => idColumns.Select(i => r[i])).Where(c => c is not null).Select(Pseudonymous).ToList();
                Assert.All(ids, id => Assert.InRange(id, 1_000_000_000_000_000L, 8_999_999_999_999_999L));
                Assert.Empty(ids.Intersect(players.Select(p => p.UserId)));
            }

            Assert.Equal(true, workbook.Manifest["pseudonymised"]);
        }

        Assert.Equal(study, first.Manifest["pseudonym_study"]);
        Assert.Equal(study, bySession.Manifest["pseudonym_study"]);
        Assert.Equal("default", unfiltered.Manifest["pseudonym_study"]);
        Assert.Equal(false, first.Manifest["names_included"]);
        Assert.Equal(true, named.Manifest["names_included"]);

        // Which key made them, as the documented one-way fingerprint: the same for every export of the study, another for
        // another study, so two files whose pseudonyms cannot be joined say so.
        var keyId = KeyId(study);
        Assert.Matches("^[0-9a-f]{16}$", keyId);
        Assert.All(new[] { first, again, bySession, named }, w => Assert.Equal(keyId, w.Manifest["pseudonym_key_id"]));
        Assert.Equal(KeyId("default"), unfiltered.Manifest["pseudonym_key_id"]);
        Assert.NotEqual(keyId, KeyId("default"));

        // The ledger keeps the same: whom each export could name, without the file it handed out.
        async Task<(bool?, string?, string?, bool?)> LedgerAsync(Workbook workbook)
        {
            var entry = await HttpAssert.OkAsync<JsonElement>(await researcher.GetAsync($"{ResearchKit.Ledger}/{workbook.Manifest["export_id"]}", Ct));
            return (entry.GetProperty("pseudonymised").GetBoolean(), entry.GetProperty("pseudonym_study").GetString(), entry.GetProperty("pseudonym_key_id").GetString(), entry.GetProperty("names_included").GetBoolean());
        }

        Assert.Equal((true, study, keyId, false), await LedgerAsync(first));
        Assert.Equal((true, study, keyId, false), await LedgerAsync(bySession));
        Assert.Equal((true, "default", KeyId("default"), false), await LedgerAsync(unfiltered));
        Assert.Equal((true, study, keyId, true), await LedgerAsync(named));

        Assert.Equal(Pseudonym(study, players[0].UserId), Pseudonymous(Assert.Single(first.Records("ai_interactions"))["user_id"]));
        Assert.Equal(Pseudonym(study, players[1].UserId), Pseudonymous(Assert.Single(first.Records("decisions"))["user_id"]));
        Assert.All(first.Records("participants"), r => Assert.Null(r["nickname"]));
        Assert.All(named.Records("participants"), r => Assert.False(string.IsNullOrEmpty((string?)r["nickname"])));
    }

    [Fact]
    public async Task A_pseudonymised_export_orders_seats_and_each_rounds_decisions_by_the_pseudonyms_so_the_order_tells_nothing_of_the_real_ids()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var students = await RoomKit.GuestsAsync(client, 3, Ct);
        var byRealId = students.OrderBy(s => s.UserId).Select(s => s.UserId).ToList();

        // A study under which the three pseudonyms are not in the order of the real ids (five orders in six are not),
        // so rows left in the stored ids' order would show.
        var study = Enumerable.Range(0, 200).Select(_ => "order-" + Guid.NewGuid().ToString("N")[..12])
            .First(label => !byRealId.Select(id => Pseudonym(label, id)).SequenceEqual(byRealId.Select(id => Pseudonym(label, id)).Order()));
        var session = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, studyLabel: study));
        foreach (var student in students)
        {
            await HttpAssert.OkAsync<JsonElement>(await SessionKit.EnrolAsync(student, session, Ct));
        }

        var room = Assert.Single(SessionKit.Rooms(await SessionKit.StartAsync(facilitator, session, Ct))).GetProperty("room_code").GetString()!;
        foreach (var (student, index) in students.Select((s, i) => (s, i)))
        {
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(student, room, 1, index % 2, 2 + index, Ct), System.Net.HttpStatusCode.Created);
        }

        // A revision by the first to choose: the seat's two rows stay together, in revision order.
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(students[0], room, 1, 1, 5, Ct), System.Net.HttpStatusCode.Created);

        var workbook = (await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}&study={study}", Ct)).Workbook;
        var pseudonyms = students.Select(s => Pseudonym(study, s.UserId)).Order().ToList();
        var revised = Pseudonym(study, students[0].UserId);
        Assert.Equal(pseudonyms, workbook.Records("participants").Select(r => Pseudonymous(r["user_id"])).ToList());
        Assert.Equal(
            pseudonyms.SelectMany(p => p == revised ? [(p, 1L), (p, 2L)] : new[] { (p, 1L) }).ToList(),
            workbook.Records("decisions").Select(r => (Pseudonymous(r["user_id"]), (long)(double)r["revision"]!)).ToList());
    }

    /// <summary>The documented pseudonym, computed independently: HKDF-SHA256(secret, info "dilemma-pseudonym-v1:" + study), HMAC-SHA256 of the id in decimal, first 8 bytes big-endian mod 8e15 plus 1e15.</summary>
    internal static long Pseudonym(string study, long userId)
    {
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(PseudonymGatewayFixture.Key), 32, [], Encoding.UTF8.GetBytes("dilemma-pseudonym-v1:" + study));
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(userId.ToString(CultureInfo.InvariantCulture)));
        return 1_000_000_000_000_000L + (long)(BinaryPrimitives.ReadUInt64BigEndian(mac) % 8_000_000_000_000_000UL);
    }

    /// <summary>The documented fingerprint of a study's key: HMAC-SHA256 of "dilemma-pseudonym-key-id-v1" under it, first 8 bytes in lower-case hex.</summary>
    private static string KeyId(string study)
    {
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(PseudonymGatewayFixture.Key), 32, [], Encoding.UTF8.GetBytes("dilemma-pseudonym-v1:" + study));
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes("dilemma-pseudonym-key-id-v1"))[..8]);
    }

    /// <summary>
    /// A pseudonym as the workbook holds it: a text cell of its 16 digits, since Excel keeps only 15 digits of a number
    /// and would show and save the last one as 0.
    /// </summary>
    private static long Pseudonymous(object? cell)
    {
        var text = Assert.IsType<string>(cell);
        Assert.Matches("^[1-8][0-9]{15}$", text);
        return long.Parse(text, CultureInfo.InvariantCulture);
    }

    private static List<long> UserIds(Workbook workbook) =>
        workbook.Records("participants").Select(r => Pseudonymous(r["user_id"])).Order().ToList();
}

public sealed class EmbeddedPseudonymTests(PseudonymGatewayFixture fixture)
    : PseudonymTests(fixture.Client, fixture.Grains), IClassFixture<PseudonymGatewayFixture>;

public sealed class ClusterPseudonymTests(ClusterPseudonymFixture cluster)
    : PseudonymTests(cluster.Client, cluster.Grains), IClassFixture<ClusterPseudonymFixture>;
