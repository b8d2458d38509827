using Dilemma.Grains.Interfaces.Errors;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// A call that fails for any reason but a rule of the game may leave the room in memory ahead of storage: a
/// consensus whose row was written and whose round then could not be closed in storage kept the consensus in
/// memory, so its retry under the same submission_id was told 409 consensus_exists instead of getting its answer.
/// Rules are checked before anything changes, so only those failures leave memory as stored; after any other the
/// next call starts from storage, where the retry finds its answer or runs again (each write it repeats is keyed).
/// The room's grain timers (a grace's drop, the presence watch, an early deadline, abandonment) pass through it too, and
/// reminders are calls: a drop whose record failed after its grace had left memory is made at the next activation,
/// which re-arms every grace the stored state still runs.
/// </summary>
public sealed partial class RoomGrain : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception exception) when (exception is not RuleViolationException)
        {
            DeactivateOnIdle();
            throw;
        }
    }
}
