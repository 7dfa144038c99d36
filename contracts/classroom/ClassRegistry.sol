// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LabTrainer} from "../lab/LabTrainer.sol";
import {IClassifier} from "../models/Classifier.sol";
import {ReentrancyGuard} from "../utils/ReentrancyGuard.sol";
import {LevelChecks} from "./LevelChecks.sol";

/// @title IAttack
/// @notice What a student's own attacker contract offers for level `own_attacker`: the registry calls it.
interface IAttack {
    /// @notice Run the attack (the registry watches where the ether goes while it runs).
    function attack() external;
}

/// @title IAirdrop
/// @notice The bait of level `tx_origin`: the target's owner calls it when the instructor hands out airdrops.
interface IAirdrop {
    /// @notice "Claim your free airdrop!"
    function claimAirdrop() external;
}

/// @title ClassRegistry
/// @notice The directory of a class that shares one chain: the trainers the instructor publishes, the trainers
/// students register (their own designs, which classmates may attack), and each student's own instance of
/// each attack-lab level. Everything a student needs to find is here, on chain, with an event per change.
/// @dev A level instance is solved only when the registry finds its goal met on chain (`LevelSolved` records
/// it), the way Ethernaut's level factories validate an instance: nobody can claim a solve they did not make.
/// Most goals are read from the target's state when its student calls `submitInstance`. Two are judged while
/// they happen, because only the moment shows who gained: `submitAttack` runs the student's own attacker and
/// `claimAirdrop` lets the target's owner fall for the student's bait; each measures, within that one call, what
/// the target lost and what the student's account gained.
contract ClassRegistry is ReentrancyGuard {
    /// @notice What a level instance's student must achieve.
    /// @param Insolvent The target holds less than what it owes its honest contributors (`submitInstance`).
    /// @param EmptiedByYourAttack During the student's own contract's `attack()`, the target was emptied and its
    /// deposits reached the student's account (`submitAttack`).
    /// @param OwnerPhished While the target's owner (an account of its own per student) claimed the student's
    /// airdrop, deposits left the target and reached the student's account (`offerAirdrop`, then the owner's
    /// `claimAirdrop`, which the instructor runs).
    /// @param BadDataRefunded The student was refunded a contribution with a wrong label that the model now
    /// disagrees with (`submitInstance`; see `LevelChecks.badDataRefunded`).
    /// @param ClaimWrapped The target is insolvent and a deposit's claimable amount wrapped around below zero
    /// (`submitInstance`; see `LevelChecks.claimWrapped`).
    enum Goal {
        Insolvent,
        EmptiedByYourAttack,
        OwnerPhished,
        BadDataRefunded,
        ClaimWrapped
    }

    /// @notice The gas a lured contract may use when the owner claims its airdrop: enough for a few takes, and a
    /// bound on what one student's bait costs the owner.
    uint256 public constant AIRDROP_GAS = 2_000_000;

    /// @notice The gas `claimAirdrop` needs left when it starts, so that the lure always gets all of `AIRDROP_GAS`:
    /// a claim sent with less (say from a gas estimate that found the cheaper failing path) is refused.
    uint256 public constant CLAIM_GAS = AIRDROP_GAS + 250_000;

    /// @notice A trainer listed in the class.
    /// @param trainer The `CollaborativeTrainer` contract.
    /// @param lister Who listed it: the instructor (published) or a student (registered).
    /// @param published Whether the instructor published it.
    /// @param name A short name to show on the dashboard.
    struct Listing {
        address trainer;
        address lister;
        bool published;
        string name;
    }

    /// @notice One student's instance of one attack-lab level.
    /// @param student The only account that may submit it.
    /// @param target The vulnerable contract that holds the honest contributors' deposits.
    /// @param owed What the target owes its honest contributors, in wei, when it was created.
    /// @param goal What counts as solved.
    /// @param solved Whether the registry validated it.
    /// @param level The lab level's name (see `sumkit.lab.levels()`).
    /// @param frozenModel For goal `BadDataRefunded`: a frozen copy of the target's model as deployed, whose verdict
    /// says which label is right (zero for the other goals).
    struct Instance {
        address student;
        address target;
        uint256 owed;
        Goal goal;
        bool solved;
        string level;
        address frozenModel;
    }

    /// @notice The instructor: the only account that may publish trainers and create level instances.
    address public immutable instructor;

    /// @notice Whether a trainer is already listed (published or registered).
    mapping(address trainer => bool) public listed;

    /// @notice The bait a student offered the owner for their instance `id` of level `tx_origin` (zero if none).
    mapping(uint256 id => address) public offeredAirdrop;

    Listing[] private _listings;
    Instance[] private _instances;

    /// @notice The instructor published `trainer` as listing `id`.
    event TrainerPublished(uint256 indexed id, address indexed trainer, string name);

    /// @notice `student` registered their `trainer` as listing `id`.
    event TrainerRegistered(uint256 indexed id, address indexed trainer, address indexed student, string name);

    /// @notice Instance `id` of `level` was created for `student`, with `target` owing `owed` wei.
    event InstanceCreated(
        uint256 indexed id, address indexed student, address indexed target, string level, uint256 owed, Goal goal
    );

    /// @notice `student` solved their instance `id` of `level`: its goal was met on chain.
    event LevelSolved(uint256 indexed id, address indexed student, string level);

    /// @notice `student` offered `lure` to the owner of their instance `id` (level `tx_origin`).
    event AirdropOffered(uint256 indexed id, address indexed student, address lure);

    /// @notice The owner claimed the airdrop of `lure` for instance `id`, and it did not solve the level: `reason`
    /// is the error that says why (its effects were undone).
    event AirdropFailed(uint256 indexed id, address indexed lure, bytes reason);

    /// @notice Only the instructor may do this.
    error NotInstructor(address caller, address instructor);

    /// @notice `account` holds no contract code, so it cannot be a trainer or a level's target.
    error NoCode(address account);

    /// @notice `trainer` is already listed.
    error AlreadyListed(address trainer);

    /// @notice A listing needs a name to show.
    error EmptyName();

    /// @notice There is no instance `id`.
    error UnknownInstance(uint256 id, uint256 count);

    /// @notice Instance `id` belongs to `student`, not to `caller`.
    error NotYourInstance(uint256 id, address caller, address student);

    /// @notice Instance `id` was already solved.
    error AlreadySolved(uint256 id);

    /// @notice Instance `id`'s goal is not met: its target still holds `targetBalance` wei (it owes `owed`).
    error NotSolvedYet(uint256 id, uint256 targetBalance, uint256 owed);

    /// @notice Instance `id` has goal `goal`, which this function does not judge: goal `EmptiedByYourAttack` is
    /// submitted with `submitAttack`, goal `OwnerPhished` with `offerAirdrop`, every other with `submitInstance`.
    error SubmitAnotherWay(uint256 id, Goal goal);

    /// @notice Goal `BadDataRefunded` needs a frozen model with code.
    error NoFrozenModel();

    /// @notice The target held `held` wei before the attack, less than the `owed` it must lose during it.
    error AlreadyDrained(uint256 id, uint256 held, uint256 owed);

    /// @notice After the attack the target still holds `left` wei: it must be emptied.
    error TargetNotEmptied(uint256 id, uint256 left);

    /// @notice The target lost `lost` wei during the attack or the airdrop, but the student's account gained only
    /// `gained`: the loot must reach the student (not stay in a contract, nor go anywhere else).
    error LootNotReceived(uint256 id, uint256 lost, uint256 gained);

    /// @notice No airdrop was offered for instance `id`.
    error NoAirdropOffered(uint256 id);

    /// @notice The airdrop took nothing from instance `id`'s target.
    error NothingSwept(uint256 id);

    /// @notice Only the owner of instance `id`'s target, `owner`, may claim its airdrop; `caller` is not.
    error NotTargetOwner(uint256 id, address caller, address owner);

    /// @notice `claimAirdrop` was left `left` gas, less than the `needed` it must have to give the lure all its gas.
    error NotEnoughGasForClaim(uint256 needed, uint256 left);

    /// @notice Only the registry itself may call this.
    error OnlyRegistry(address caller);

    /// @param instructor_ The instructor's account.
    constructor(address instructor_) {
        instructor = instructor_;
    }

    /// @dev Lets only the instructor through.
    modifier onlyInstructor() {
        if (msg.sender != instructor) revert NotInstructor(msg.sender, instructor);
        _;
    }

    /// @notice Publish a trainer for the class (instructor only).
    /// @param trainer The `CollaborativeTrainer` contract.
    /// @param name A short name to show.
    /// @return id The listing's number.
    function publishTrainer(address trainer, string calldata name) external onlyInstructor returns (uint256 id) {
        id = _list(trainer, name, true);
        emit TrainerPublished(id, trainer, name);
    }

    /// @notice Register a trainer you deployed, so the class sees it on the dashboard (and may attack it).
    /// @param trainer The `CollaborativeTrainer` contract.
    /// @param name A short name to show.
    /// @return id The listing's number.
    function registerTrainer(address trainer, string calldata name) external returns (uint256 id) {
        id = _list(trainer, name, false);
        emit TrainerRegistered(id, trainer, msg.sender, name);
    }

    /// @notice Create `student`'s instance of `level` (instructor only, after deploying its target).
    /// @param student The only account that may submit it.
    /// @param target The vulnerable contract.
    /// @param level The lab level's name.
    /// @param owed What `target` owes its honest contributors, in wei.
    /// @param goal What counts as solved.
    /// @param frozenModel For goal `BadDataRefunded`, a frozen copy of the target's model (else zero).
    /// @return id The instance's number.
    function createInstance(
        address student,
        address target,
        string calldata level,
        uint256 owed,
        Goal goal,
        address frozenModel
    ) external onlyInstructor returns (uint256 id) {
        if (target.code.length == 0) revert NoCode(target);
        if (goal == Goal.BadDataRefunded && frozenModel.code.length == 0) revert NoFrozenModel();
        id = _instances.length;
        _instances.push(Instance(student, target, owed, goal, false, level, frozenModel));
        emit InstanceCreated(id, student, target, level, owed, goal);
    }

    /// @notice Submit your instance `id`: it counts as solved if its goal is met now (see `goalMet`).
    /// @param id The instance's number.
    function submitInstance(uint256 id) external {
        Instance storage instance = _yours(id);
        if (instance.goal == Goal.EmptiedByYourAttack || instance.goal == Goal.OwnerPhished) {
            revert SubmitAnotherWay(id, instance.goal);
        }
        if (!goalMet(id)) revert NotSolvedYet(id, instance.target.balance, instance.owed);
        _solve(id, instance);
    }

    /// @notice Level `own_attacker`: the registry calls `attacker.attack()` and counts your instance `id` as solved
    /// if, during that call, the target is emptied and what it owed reaches your account.
    /// @param id The instance's number.
    /// @param attacker Your contract (any contract with `attack()`; it may check that the registry calls it).
    function submitAttack(uint256 id, IAttack attacker) external nonReentrant {
        Instance storage instance = _yours(id);
        if (instance.goal != Goal.EmptiedByYourAttack) revert SubmitAnotherWay(id, instance.goal);
        uint256 held = instance.target.balance;
        if (held < instance.owed) revert AlreadyDrained(id, held, instance.owed);
        uint256 before = msg.sender.balance;
        attacker.attack();
        uint256 left = instance.target.balance;
        if (left != 0) revert TargetNotEmptied(id, left);
        uint256 gained = msg.sender.balance > before ? msg.sender.balance - before : 0;
        if (gained < instance.owed) revert LootNotReceived(id, held, gained);
        _solve(id, instance);
    }

    /// @notice Level `tx_origin`: offer `lure` to the owner of your instance `id`'s target; the owner claims it when
    /// the instructor hands out airdrops (`claimAirdrop`). A new offer replaces the previous one.
    /// @param id The instance's number.
    /// @param lure Your contract with `claimAirdrop()`.
    function offerAirdrop(uint256 id, address lure) external {
        Instance storage instance = _yours(id);
        if (instance.goal != Goal.OwnerPhished) revert SubmitAnotherWay(id, instance.goal);
        if (lure.code.length == 0) revert NoCode(lure);
        offeredAirdrop[id] = lure;
        emit AirdropOffered(id, msg.sender, lure);
    }

    /// @notice The owner of instance `id`'s target (an account of the class's, one per student, so its tx.origin
    /// reaches no classmate's target) claims the airdrop offered for it; the instance is solved if, during the
    /// claim, deposits left the target and reached its student (else `AirdropFailed` says why, and nothing the
    /// airdrop did is kept).
    /// @param id The instance's number.
    /// @return solved Whether the claim solved the instance.
    function claimAirdrop(uint256 id) external nonReentrant returns (bool solved) {
        if (gasleft() < CLAIM_GAS) revert NotEnoughGasForClaim(CLAIM_GAS, gasleft());
        Instance storage instance = _instance(id);
        if (instance.goal != Goal.OwnerPhished) revert SubmitAnotherWay(id, instance.goal);
        address owner = LabTrainer(instance.target).owner();
        if (msg.sender != owner) revert NotTargetOwner(id, msg.sender, owner);
        if (instance.solved) revert AlreadySolved(id);
        address lure = offeredAirdrop[id];
        if (lure == address(0)) revert NoAirdropOffered(id);
        delete offeredAirdrop[id];
        try this.judgeAirdrop(id, lure) {
            _solve(id, instance);
            solved = true;
        } catch (bytes memory reason) {
            emit AirdropFailed(id, lure, reason);
        }
    }

    /// @notice Part of `claimAirdrop`, callable only by the registry itself: calls `lure` and reverts (undoing
    /// everything it did) unless the claim meets goal `OwnerPhished`.
    /// @param id The instance's number.
    /// @param lure The offered contract.
    function judgeAirdrop(uint256 id, address lure) external {
        if (msg.sender != address(this)) revert OnlyRegistry(msg.sender);
        Instance storage instance = _instance(id);
        address target = instance.target;
        uint256 held = target.balance;
        uint256 before = instance.student.balance;
        IAirdrop(lure).claimAirdrop{gas: AIRDROP_GAS}(); // if it reverts, so does this, with its reason
        uint256 left = target.balance;
        if (left >= held) revert NothingSwept(id);
        uint256 gained = instance.student.balance > before ? instance.student.balance - before : 0;
        if (gained < held - left) revert LootNotReceived(id, held - left, gained);
    }

    /// @notice Whether instance `id`'s goal, as its target's state shows it, is met now (always false for the goals
    /// judged while they happen: `EmptiedByYourAttack` and `OwnerPhished`).
    /// @param id The instance's number.
    /// @return met True when the goal is met.
    function goalMet(uint256 id) public view returns (bool met) {
        Instance storage instance = _instance(id);
        LabTrainer target = LabTrainer(instance.target);
        bool insolvent = instance.target.balance < instance.owed;
        if (instance.goal == Goal.Insolvent) return insolvent;
        if (instance.goal == Goal.ClaimWrapped) return insolvent && LevelChecks.claimWrapped(target);
        if (instance.goal == Goal.BadDataRefunded) {
            return LevelChecks.badDataRefunded(target, instance.student, IClassifier(instance.frozenModel));
        }
        return false;
    }

    /// @notice How many trainers are listed.
    function trainerCount() external view returns (uint256) {
        return _listings.length;
    }

    /// @notice Listing `id`.
    /// @param id The listing's number.
    function trainerAt(uint256 id) external view returns (Listing memory) {
        return _listings[id];
    }

    /// @notice How many level instances exist.
    function instanceCount() external view returns (uint256) {
        return _instances.length;
    }

    /// @notice Instance `id`.
    /// @param id The instance's number.
    function instanceAt(uint256 id) external view returns (Instance memory) {
        return _instance(id);
    }

    function _list(address trainer, string calldata name, bool published) private returns (uint256 id) {
        if (trainer.code.length == 0) revert NoCode(trainer);
        if (listed[trainer]) revert AlreadyListed(trainer);
        if (bytes(name).length == 0) revert EmptyName();
        listed[trainer] = true;
        id = _listings.length;
        _listings.push(Listing(trainer, msg.sender, published, name));
    }

    /// @dev Instance `id`, if the caller is its student and it is not solved yet.
    function _yours(uint256 id) private view returns (Instance storage instance) {
        instance = _instance(id);
        if (msg.sender != instance.student) revert NotYourInstance(id, msg.sender, instance.student);
        if (instance.solved) revert AlreadySolved(id);
    }

    /// @dev Marks instance `id` solved and says so.
    function _solve(uint256 id, Instance storage instance) private {
        instance.solved = true;
        emit LevelSolved(id, instance.student, instance.level);
    }

    function _instance(uint256 id) private view returns (Instance storage) {
        if (id >= _instances.length) revert UnknownInstance(id, _instances.length);
        return _instances[id];
    }
}
