using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Grains.Interfaces.Ai;

/// <summary>
/// The AI facilitator: generates scenarios, asks each role questions and gives the group feedback,
/// through the configured provider (an OpenAI-compatible model, or the offline rules and bank).
/// Stateless; use key 0. Every answer says which provider produced it and whether it fell back.
/// A model may take up to <c>Ai:TimeoutSeconds</c> (at most 25 s) before the offline fallback
/// answers, so these calls wait longer than the cluster's short response timeout
/// (<c>Cluster:ResponseTimeoutSeconds</c>), which is tuned to end calls to a dead silo quickly.
/// </summary>
public interface IFacilitatorGrain : IGrainWithIntegerKey
{
    /// <summary>The AI's own budget (Ai:TimeoutSeconds, at most 25 s) plus room for the grain's storage work.</summary>
    public const string FacilitatorTimeout = "00:00:30";

    /// <summary>Generates a scenario, saves it so a room can be created on it, and returns it.</summary>
    [ResponseTimeout(FacilitatorTimeout)]
    Task<GeneratedScenario> GenerateScenarioAsync(ScenarioGenerationRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Questions for the caller's role in the room's current round; participants only, while the game
    /// is played. To a stranger a room they may not see is <c>room_not_found</c>, as everywhere.
    /// </summary>
    [ResponseTimeout(FacilitatorTimeout)]
    Task<RoleQuestions> GetQuestionsAsync(string roomCode, long userId, string language, CancellationToken cancellationToken = default);

    /// <summary>Feedback on one completed round or on the whole game so far; for those who see the room in full (participants, researchers).</summary>
    [ResponseTimeout(FacilitatorTimeout)]
    Task<GroupFeedback> GetFeedbackAsync(string roomCode, RoomViewer viewer, FeedbackRequest request, CancellationToken cancellationToken = default);
}
