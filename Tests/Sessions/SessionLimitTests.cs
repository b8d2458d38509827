using System.Net;
using System.Text.Json;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Sessions;

/// <summary>
/// A session's join code is shown to the whole class and guest sign-in is cheap: the pool is bounded
/// (<c>Game:MaxSessionParticipants</c>), so one student signing in guests in a loop cannot grow it without end.
/// </summary>
public sealed class SessionLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_enrolment_past_the_session_limit_gets_409_session_full_and_those_enrolled_keep_their_seats()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["Game:MaxSessionParticipants"] = "4" });
        var client = gateway.CreateClient();
        var facilitator = await SessionKit.FacilitatorAsync(client, gateway.Services.GetRequiredService<IGrainFactory>(), Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var enrolled = await SessionKit.EnrolledAsync(client, code, 4, Ct);

        var problem = await HttpAssert.ProblemAsync(await SessionKit.EnrolAsync(await RoomKit.GuestAsync(client, Ct), code, Ct), HttpStatusCode.Conflict, "session_full");
        Assert.Contains("4 participants", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Enrolling again is not a new participant: it answers the seat the student has.
        await HttpAssert.OkAsync<JsonElement>(await SessionKit.EnrolAsync(enrolled[0], code, Ct));
        var session = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}", Ct));
        Assert.Equal(enrolled.Select(s => s.UserId).Order(), session.GetProperty("pool").EnumerateArray().Select(p => p.GetInt64()).Order());
    }
}
