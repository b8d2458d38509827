using System.Net;
using System.Text.Json;
using Dilemma.Grains.Interfaces.Consent;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;

namespace Dilemma.Tests.Sessions;

/// <summary>The steps of running a class, as the facilitator's and the students' clients take them.</summary>
public static class SessionKit
{
    /// <summary>A new account holding the facilitator role, signed in with a token that carries it.</summary>
    public static async Task<Player> FacilitatorAsync(HttpClient client, IGrainFactory grains, CancellationToken cancellationToken) =>
        new(client, await Roles.NewAccountWithAsync(client, grains, "facilitator", cancellationToken, prefix: "fac"));

    public static async Task<JsonElement> CreateAsync(Player facilitator, CancellationToken cancellationToken, string remainderRule = "wait", bool botsAllowed = false, int? choiceSeconds = null, string studyLabel = "ethics-101") =>
        await HttpAssert.OkAsync<JsonElement>(
            await facilitator.PostAsync(
                "/sessions",
                new { title = "Class " + Guid.NewGuid().ToString("N")[..6], topic = RoomKit.Topic, study_label = studyLabel, remainder_rule = remainderRule, bots_allowed = botsAllowed, choice_seconds = choiceSeconds },
                cancellationToken),
            HttpStatusCode.Created);

    public static string Code(JsonElement session) => session.GetProperty("session_code").GetString()!;

    public static Task<HttpResponseMessage> EnrolAsync(Player student, string code, CancellationToken cancellationToken, string? consentVersion = null) =>
        student.PostAsync($"/sessions/{code}/enrol", new { consent_version = consentVersion ?? ConsentTexts.Current }, cancellationToken);

    /// <summary><paramref name="count"/> new guests, each enrolled with the session's consent.</summary>
    public static async Task<Player[]> EnrolledAsync(HttpClient client, string code, int count, CancellationToken cancellationToken)
    {
        var students = await RoomKit.GuestsAsync(client, count, cancellationToken);
        foreach (var student in students)
        {
            await HttpAssert.OkAsync<JsonElement>(await EnrolAsync(student, code, cancellationToken));
        }

        return students;
    }

    public static async Task<JsonElement> StartAsync(Player facilitator, string code, CancellationToken cancellationToken) =>
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/start", new { }, cancellationToken));

    public static IReadOnlyList<JsonElement> Rooms(JsonElement session) => session.GetProperty("rooms").EnumerateArray().ToList();

    public static IReadOnlyList<long> UserIds(JsonElement room) => room.GetProperty("user_ids").EnumerateArray().Select(u => u.GetInt64()).ToList();
}
