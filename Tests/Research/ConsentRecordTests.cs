using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Dilemma.Grains.Accounts;
using Dilemma.Grains.Interfaces.Sessions;
using Dilemma.Grains.Research;
using Dilemma.Grains.Storage;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Dilemma.Tests.Research;

/// <summary>
/// Consent as a record, in both modes: the versioned texts, consents given at sign-in and later kept as
/// timestamped rows with their version, unknown versions refused naming the field, and the export
/// carrying each participant's consent version and time.
/// </summary>
public abstract class ConsentRecordTests(HttpClient client, IGrainFactory grains)
{
    // The version the texts in Grains.Interfaces/Consent/Texts publish as current; a newer text must update this on purpose.
    private const string Current = "2026-12";

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The user's consent rows as stored, oldest first: (kind, version, decision, recorded at).</summary>
    protected abstract Task<IReadOnlyList<(string Kind, string Version, string Decision, DateTime At)>> ConsentRowsAsync(long userId);

    /// <summary>Writes a room event through the research store the room grain writes with.</summary>
    protected abstract Task RecordRoomEventAsync(RoomEventRecord roomEvent);

    /// <summary>Writes a facilitator action through the audit store the session grain writes with.</summary>
    protected abstract Task RecordFacilitatorActionAsync(FacilitatorActionEntry action);

    [Fact]
    public async Task The_consent_text_is_served_by_version_in_both_languages_or_one()
    {
        var current = await HttpAssert.OkAsync<JsonElement>(await client.GetAsync("/consent", Ct));
        Assert.Equal(Current, current.GetProperty("version").GetString());
        Assert.True(current.GetProperty("current").GetBoolean());
        Assert.Contains(Current, current.GetProperty("published").EnumerateArray().Select(v => v.GetString()));
        var texts = current.GetProperty("texts");
        Assert.Contains("voice", texts.GetProperty("en").GetString()!, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("음성", texts.GetProperty("ko").GetString()!, StringComparison.Ordinal);

        var english = await HttpAssert.OkAsync<JsonElement>(await client.GetAsync($"/consent/{Current}?lang=en", Ct));
        Assert.Equal(["en"], english.GetProperty("texts").EnumerateObject().Select(p => p.Name));
        Assert.Equal(texts.GetProperty("en").GetString(), english.GetProperty("texts").GetProperty("en").GetString());

        var unknown = await HttpAssert.ProblemAsync(await client.GetAsync("/consent/1999-01", Ct), HttpStatusCode.NotFound, "unknown_consent_version");
        Assert.Equal("version", unknown.GetProperty("field").GetString());
        await HttpAssert.ProblemAsync(await client.GetAsync("/consent?lang=fr", Ct), HttpStatusCode.BadRequest, "invalid_lang");
    }

    [Fact]
    public async Task An_unknown_consent_version_is_refused_naming_the_field_everywhere_consent_is_given()
    {
        var guest = await HttpAssert.ProblemAsync(
            await client.PostJsonAsync("/auth/guest", new { data_consent = true, consent_version = "2020-01" }, Ct), HttpStatusCode.UnprocessableEntity, "unknown_consent_version");
        Assert.Equal("consent_version", guest.GetProperty("field").GetString());

        var register = await HttpAssert.ProblemAsync(
            await client.PostJsonAsync("/auth/register", new { username = AuthClient.UniqueName(), password = ResearchKit.Password, data_consent = true, consent_version = "legacy" }, Ct),
            HttpStatusCode.UnprocessableEntity,
            "unknown_consent_version");
        Assert.Equal("consent_version", register.GetProperty("field").GetString());

        var player = await RoomKit.GuestAsync(client, Ct);
        var patch = await HttpAssert.ProblemAsync(
            await client.SendAsync(ConsentPatch(player, new { data_consent = true, consent_version = "next" }), Ct), HttpStatusCode.UnprocessableEntity, "unknown_consent_version");
        Assert.Equal("consent_version", patch.GetProperty("field").GetString());
        Assert.Empty(await ConsentRowsAsync(player.UserId));
    }

    [Fact]
    public async Task Every_grant_and_withdrawal_is_a_timestamped_row_with_its_version()
    {
        var before = DateTime.UtcNow;
        var pair = await HttpAssert.OkAsync<TokenPair>(
            await client.PostJsonAsync("/auth/register", new { username = AuthClient.UniqueName(), password = ResearchKit.Password, data_consent = true, voice_consent = false, consent_version = Current }, Ct),
            HttpStatusCode.Created);
        var player = new Player(client, pair);

        await HttpAssert.OkAsync<JsonElement>(await client.SendAsync(ConsentPatch(player, new { voice_consent = true, consent_version = Current }), Ct));
        await HttpAssert.OkAsync<JsonElement>(await client.SendAsync(ConsentPatch(player, new { data_consent = false }), Ct));

        // Declining what is not held is no decision to record.
        var me = await HttpAssert.OkAsync<JsonElement>(await client.SendAsync(ConsentPatch(player, new { data_consent = false, consent_version = Current }), Ct));
        var after = DateTime.UtcNow;

        var rows = await ConsentRowsAsync(player.UserId);
        Assert.Equal(
            [("data", Current, "granted"), ("voice", Current, "granted"), ("data", "unversioned", "withdrawn")],
            rows.Select(r => (r.Kind, r.Version, r.Decision)));
        Assert.All(rows, r => Assert.InRange(r.At, before.AddSeconds(-1), after.AddSeconds(1)));

        Assert.False(me.GetProperty("data_consent").GetBoolean());
        Assert.True(me.GetProperty("voice_consent").GetBoolean());
        Assert.Equal(Current, me.GetProperty("voice_consent_version").GetString());
    }

    [Fact]
    public async Task A_guest_consenting_at_sign_in_is_exported_with_the_consent_version_and_time()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);

        // The three sign-ins of a classroom: with the current text, with the original front end's bare boolean, and declining.
        var versioned = await SignInAsync(new { nickname = "versioned", data_consent = true, voice_consent = true, consent_version = Current });
        var bare = await SignInAsync(new { nickname = "bare", data_consent = true });
        var declining = await SignInAsync(new { nickname = "declining", data_consent = false, consent_version = Current });
        var signedIn = DateTime.UtcNow;

        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(versioned, Ct));
        await RoomKit.JoinAsync(bare, code, Ct);
        await RoomKit.JoinAsync(declining, code, Ct);

        var (workbook, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}", Ct);
        var participants = workbook.Records("participants");
        Assert.Equal(2, participants.Count);
        Assert.DoesNotContain(participants, r => (double)r["user_id"]! == declining.UserId);

        var first = Assert.Single(participants, r => (double)r["user_id"]! == versioned.UserId);
        Assert.Equal(Current, first["data_consent_version"]);
        Assert.InRange((DateTime)first["data_consent_at"]!, since.UtcDateTime.AddSeconds(-1), signedIn.AddSeconds(1));
        Assert.Equal(Current, first["voice_consent_version"]);
        Assert.Equal(first["data_consent_at"], first["voice_consent_at"]);

        var second = Assert.Single(participants, r => (double)r["user_id"]! == bare.UserId);
        Assert.Equal("unversioned", second["data_consent_version"]);
        Assert.IsType<DateTime>(second["data_consent_at"]);
        Assert.Null(second["voice_consent_version"]);
        Assert.Null(second["voice_consent_at"]);

        var codebook = workbook.Records("codebook");
        Assert.All(
            new[] { "data_consent_version", "data_consent_at", "voice_consent_version", "voice_consent_at" },
            column => Assert.Contains(codebook, c => (string)c["sheet"]! == "participants" && (string)c["column"]! == column));

        Assert.Equal([("data", Current, "granted"), ("voice", Current, "granted")], (await ConsentRowsAsync(versioned.UserId)).Select(r => (r.Kind, r.Version, r.Decision)));
        Assert.Empty(await ConsentRowsAsync(declining.UserId));
    }

    [Fact]
    public async Task Each_seat_is_exported_under_the_consent_it_was_taken_under_not_a_later_one()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);

        // A study's first session under one text (here the original front end's unversioned boolean), then the participant consents
        // again under the current text for a later session: the first session's decisions were not made under the later text.
        var returning = await SignInAsync(new { nickname = "returning", data_consent = true, voice_consent = true });
        var firstRoom = RoomKit.Code(await RoomKit.CreateRoomAsync(returning, Ct));
        await HttpAssert.OkAsync<JsonElement>(await client.SendAsync(ConsentPatch(returning, new { data_consent = true, voice_consent = true, consent_version = Current }), Ct));
        var laterRoom = RoomKit.Code(await RoomKit.CreateRoomAsync(returning, Ct));

        // One who had withdrawn when they sat down and consented again afterwards: that later grant is what brings the seat in, not the
        // grant they had withdrawn.
        var lapsed = await SignInAsync(new { nickname = "lapsed", data_consent = true, consent_version = Current });
        await HttpAssert.OkAsync<JsonElement>(await client.SendAsync(ConsentPatch(lapsed, new { data_consent = false }), Ct));
        var lapsedRoom = RoomKit.Code(await RoomKit.CreateRoomAsync(lapsed, Ct));
        await HttpAssert.OkAsync<JsonElement>(await client.SendAsync(ConsentPatch(lapsed, new { data_consent = true, consent_version = Current }), Ct));

        var (workbook, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}", Ct);
        var participants = workbook.Records("participants");
        var returningRows = await ConsentRowsAsync(returning.UserId);
        Assert.Equal(
            [("data", "unversioned", "granted"), ("voice", "unversioned", "granted"), ("data", Current, "granted"), ("voice", Current, "granted")],
            returningRows.Select(r => (r.Kind, r.Version, r.Decision)));

        var first = Assert.Single(participants, r => (string)r["room_code"]! == firstRoom);
        Assert.Equal(("unversioned", ExportTime(returningRows[0].At)), (first["data_consent_version"], first["data_consent_at"]));
        Assert.Equal(("unversioned", ExportTime(returningRows[1].At)), (first["voice_consent_version"], first["voice_consent_at"]));
        Assert.True((DateTime)first["data_consent_at"]! <= (DateTime)first["joined_at"]!);

        var later = Assert.Single(participants, r => (string)r["room_code"]! == laterRoom);
        Assert.Equal((Current, ExportTime(returningRows[2].At)), (later["data_consent_version"], later["data_consent_at"]));
        Assert.Equal((Current, ExportTime(returningRows[3].At)), (later["voice_consent_version"], later["voice_consent_at"]));

        var lapsedRows = await ConsentRowsAsync(lapsed.UserId);
        Assert.Equal([("data", Current, "granted"), ("data", "unversioned", "withdrawn"), ("data", Current, "granted")], lapsedRows.Select(r => (r.Kind, r.Version, r.Decision)));
        var regranted = Assert.Single(participants, r => (string)r["room_code"]! == lapsedRoom);
        Assert.Equal((Current, ExportTime(lapsedRows[2].At)), (regranted["data_consent_version"], regranted["data_consent_at"]));

        static DateTime ExportTime(DateTime at) => new(at.Ticks - (at.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Unspecified);
    }

    [Fact]
    public async Task An_export_after_a_withdrawal_of_consent_counts_the_seats_an_earlier_one_may_hold()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var withdrawing = await SignInAsync(new { nickname = "withdrawing", data_consent = true, consent_version = Current });
        var staying = await SignInAsync(new { nickname = "staying", data_consent = true, consent_version = Current });
        var never = await SignInAsync(new { nickname = "never", data_consent = false, consent_version = Current });
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(withdrawing, Ct));
        await RoomKit.JoinAsync(staying, code, Ct);
        await RoomKit.JoinAsync(never, code, Ct);
        var to = DateTimeOffset.UtcNow.AddSeconds(1);
        var query = $"from={ResearchKit.Query(since)}&to={ResearchKit.Query(to)}";

        var (before, _) = await ResearchKit.DownloadAsync(researcher, query, Ct);
        Assert.Equal((2.0, 1.0, 0.0), ((double)before.Manifest["participants_rows"]!, (double)before.Manifest["excluded_participants"]!, (double)before.Manifest["withdrawn_participants"]!));

        // Withdrawing consent erases nothing, so the erasure ledger stays as it was: the export that holds their row must be told otherwise.
        await HttpAssert.OkAsync<JsonElement>(await client.SendAsync(ConsentPatch(withdrawing, new { data_consent = false }), Ct));
        var (after, response) = await ResearchKit.DownloadAsync(researcher, query, Ct);
        Assert.Equal((1.0, 2.0, 1.0), ((double)after.Manifest["participants_rows"]!, (double)after.Manifest["excluded_participants"]!, (double)after.Manifest["withdrawn_participants"]!));
        Assert.Equal(before.Manifest["erasures"], after.Manifest["erasures"]);

        var entry = await HttpAssert.OkAsync<JsonElement>(await researcher.GetAsync($"{ResearchKit.Ledger}/{Assert.Single(response.Headers.GetValues("X-Export-Id"))}", Ct));
        Assert.Equal(1, entry.GetProperty("withdrawn_participants").GetInt64());
    }

    [Fact]
    public async Task Held_data_lists_the_account_its_consent_rows_and_every_research_row_of_the_caller()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(client, Ct);
        await HttpAssert.OkAsync<JsonElement>(await client.SendAsync(ConsentPatch(players[0], new { data_consent = true, consent_version = Current }), Ct));
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, 1, 0, 4, Ct), HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, 1, 1, 2, Ct), HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[1], code, 1, 1, 3, Ct), HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[2], code, 1, 1, 5, Ct), HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, 1, 1, 4, Ct), HttpStatusCode.Created);

        // What happened to them, as the export carries it: a round that timed out on them (the server's doing, no actor),
        // and a facilitator's action about them with its reason; the other participant's dropout is theirs.
        var facilitator = await ResearchKit.ResearcherAsync(client, grains, Ct);
        await RecordRoomEventAsync(new RoomEventRecord(code, RoomEventType.TimedOut, players[0].UserId, 2, null, false, DateTime.UtcNow));
        await RecordRoomEventAsync(new RoomEventRecord(code, RoomEventType.Dropped, players[1].UserId, 2, players[1].UserId, false, DateTime.UtcNow));
        await RecordFacilitatorActionAsync(new FacilitatorActionEntry("S7HELD", facilitator.UserId, "remove_participant", code, players[0].UserId, "left the call", DateTimeOffset.UtcNow));

        var held = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync("/auth/me/data", Ct));

        Assert.Equal(players[0].UserId, held.GetProperty("user").GetProperty("user_id").GetInt64());
        Assert.Equal(Current, held.GetProperty("user").GetProperty("data_consent_version").GetString());
        var consent = Assert.Single(held.GetProperty("consents").EnumerateArray());
        Assert.Equal(("data", Current, true), (consent.GetProperty("kind").GetString(), consent.GetProperty("version").GetString(), consent.GetProperty("granted").GetBoolean()));
        var research = held.GetProperty("research");
        var seat = Assert.Single(research.GetProperty("seats").EnumerateArray());
        Assert.Equal((code, 1), (seat.GetProperty("room_code").GetString(), seat.GetProperty("role_id").GetInt32()));
        var choice = Assert.Single(research.GetProperty("choices").EnumerateArray());
        Assert.Equal((code, 1, 1, 2, 2), (
            choice.GetProperty("room_code").GetString(),
            choice.GetProperty("round_number").GetInt32(),
            choice.GetProperty("choice").GetInt32(),
            choice.GetProperty("confidence").GetInt32(),
            choice.GetProperty("revision").GetInt32()));
        var consensus = Assert.Single(research.GetProperty("consensus_submitted").EnumerateArray());
        Assert.Equal((code, 1, 1, 4), (
            consensus.GetProperty("room_code").GetString(),
            consensus.GetProperty("round_number").GetInt32(),
            consensus.GetProperty("choice").GetInt32(),
            consensus.GetProperty("confidence").GetInt32()));
        Assert.Empty(research.GetProperty("recording_events").EnumerateArray());
        var roomEvent = Assert.Single(research.GetProperty("room_events").EnumerateArray());
        Assert.Equal(["room_code", "event_type", "round_number", "at"], roomEvent.EnumerateObject().Select(p => p.Name));
        Assert.Equal((code, "timed_out", 2), (roomEvent.GetProperty("room_code").GetString(), roomEvent.GetProperty("event_type").GetString(), roomEvent.GetProperty("round_number").GetInt32()));
        var action = Assert.Single(research.GetProperty("facilitator_actions").EnumerateArray());
        Assert.Equal(["room_code", "action", "reason", "at"], action.EnumerateObject().Select(p => p.Name));
        Assert.Equal((code, "remove_participant", "left the call"), (action.GetProperty("room_code").GetString(), action.GetProperty("action").GetString(), action.GetProperty("reason").GetString()));

        // Another participant's data holds their own rows only.
        var other = await HttpAssert.OkAsync<JsonElement>(await players[1].GetAsync("/auth/me/data", Ct));
        Assert.Empty(other.GetProperty("consents").EnumerateArray());
        Assert.Equal("participant_dropped", Assert.Single(other.GetProperty("research").GetProperty("room_events").EnumerateArray()).GetProperty("event_type").GetString());
        Assert.Empty(other.GetProperty("research").GetProperty("facilitator_actions").EnumerateArray());
        Assert.Empty(other.GetProperty("research").GetProperty("consensus_submitted").EnumerateArray());
        Assert.Equal(3, Assert.Single(other.GetProperty("research").GetProperty("choices").EnumerateArray()).GetProperty("confidence").GetInt32());
        await HttpAssert.ProblemAsync(await client.GetAsync("/auth/me/data", Ct), HttpStatusCode.Unauthorized, "missing_token");
    }

    private async Task<Player> SignInAsync(object body) =>
        new(client, await HttpAssert.OkAsync<TokenPair>(await client.PostJsonAsync("/auth/guest", body, Ct)));

    private static HttpRequestMessage ConsentPatch(Player player, object body) =>
        AuthClient.Authorized(HttpMethod.Patch, "/auth/me/consent", player.Tokens.AccessToken, JsonContent.Create(body, options: HttpAssert.Json));
}

public sealed class ClusterConsentRecordTests(ClusterGatewayFixture cluster)
    : ConsentRecordTests(cluster.Client, cluster.Grains), IClassFixture<ClusterGatewayFixture>
{
    protected override async Task<IReadOnlyList<(string Kind, string Version, string Decision, DateTime At)>> ConsentRowsAsync(long userId)
    {
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        return (await connection.QueryAsync<(string, string, string, DateTime)>(
            "SELECT kind, version, decision, recorded_at FROM consent_records WHERE user_id = @userId ORDER BY id",
            new { userId })).ToList();
    }

    protected override async Task RecordRoomEventAsync(RoomEventRecord roomEvent)
    {
        await using var dataSource = new MySqlDataSource(cluster.Deployment.MySqlConnectionString);
        await using var groupCommit = new MySqlGroupCommit(dataSource);
        await new MySqlResearchStore(dataSource, groupCommit).RecordRoomEventAsync(roomEvent, TestContext.Current.CancellationToken);
    }

    protected override async Task RecordFacilitatorActionAsync(FacilitatorActionEntry action)
    {
        await using var dataSource = new MySqlDataSource(cluster.Deployment.MySqlConnectionString);
        await new MySqlFacilitatorActionStore(dataSource).RecordAsync(action, TestContext.Current.CancellationToken);
    }
}

public sealed class EmbeddedConsentRecordTests(EmbeddedGatewayFixture gateway)
    : ConsentRecordTests(gateway.Client, gateway.Grains), IClassFixture<EmbeddedGatewayFixture>
{
    protected override async Task<IReadOnlyList<(string Kind, string Version, string Decision, DateTime At)>> ConsentRowsAsync(long userId)
    {
        var rows = await gateway.Factory.Services.GetRequiredService<InMemoryAccountStore>().GetConsentRowsAsync(userId, TestContext.Current.CancellationToken);
        return rows.Select(r => (r.Kind, r.Version, r.Granted ? "granted" : "withdrawn", r.At)).ToList();
    }

    protected override Task RecordRoomEventAsync(RoomEventRecord roomEvent) =>
        gateway.Factory.Services.GetRequiredService<InMemoryResearchStore>().RecordRoomEventAsync(roomEvent, TestContext.Current.CancellationToken);

    protected override Task RecordFacilitatorActionAsync(FacilitatorActionEntry action) =>
        gateway.Factory.Services.GetRequiredService<InMemoryFacilitatorActionStore>().RecordAsync(action, TestContext.Current.CancellationToken);
}
