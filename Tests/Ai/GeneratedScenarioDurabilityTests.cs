using System.Text.Json;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Rooms;
using Dilemma.Tests.Storage;

namespace Dilemma.Tests.Ai;

/// <summary>A generated scenario is kept in grain storage (MySQL in cluster mode) and outlives every silo.</summary>
public sealed class GeneratedScenarioDurabilityTests(LocalServices services)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_generated_scenario_survives_all_silos_restarting_and_a_room_is_then_created_and_played_on_it()
    {
        await using var deployment = await ClusterDeployment.StartAsync(services, "aigen_", silos: 1, Ct);
        var before = deployment.CreateGateway();
        var author = await RoomKit.GuestAsync(before.CreateClient(), Ct);
        var generated = await AiKit.GeneratedAsync(author, new { topic = "care-robot-monitoring", seed = 77 }, Ct);
        var id = generated.GetProperty("scenario_id").GetString()!;
        Assert.Equal(1, await StorageRows.CountByExtensionAsync(deployment.MySqlConnectionString, deployment.ServiceId, "generated-scenario", id, Ct));

        await before.DisposeAsync();
        await deployment.StopAllSilosAsync(Ct);
        await deployment.StartSiloAsync(Ct);
        var client = deployment.CreateGateway().CreateClient();

        var (players, code, _) = await AiKit.StartedRoomOnAsync(client, id, Ct);
        var room = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(id, room.GetProperty("scenario_id").GetString());
        Assert.Equal(
            generated.GetProperty("scenario").GetProperty("rounds")[0].GetProperty("options").EnumerateArray().Select(o => o.GetProperty("text").GetString()),
            room.GetProperty("scenario").GetProperty("rounds")[0].GetProperty("options").EnumerateArray().Select(o => o.GetProperty("en").GetString()));
        await RoomKit.PlayRoundAsync(players, code, 1, Ct);
        var feedback = await HttpAssert.OkAsync<JsonElement>(await AiKit.FeedbackAsync(players[1], code, new { round_number = 1 }, Ct));
        Assert.Equal(1, feedback.GetProperty("figures").GetProperty("rounds_covered").GetInt32());
    }
}
