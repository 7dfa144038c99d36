// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ClassRegistry
/// @notice The directory of a class that shares one chain: the trainers the instructor publishes, the trainers
/// students register (their own designs, which classmates may attack), and each student's own instance of
/// each attack-lab level. Everything a student needs to find is here, on chain, with an event per change.
/// @dev A level instance is solved only when `submitInstance` finds its goal met on chain (an event records
/// it), the way Ethernaut's level factories validate an instance: nobody can claim a solve they did not make.
contract ClassRegistry {
    /// @notice What a level instance's student must achieve.
    /// @param Insolvent The target holds less than what it owes its honest contributors.
    /// @param Emptied The target holds no ether at all.
    enum Goal {
        Insolvent,
        Emptied
    }

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
    /// @param solved Whether `submitInstance` validated it.
    /// @param level The lab level's name (see `sumkit.lab.levels()`).
    struct Instance {
        address student;
        address target;
        uint256 owed;
        Goal goal;
        bool solved;
        string level;
    }

    /// @notice The instructor: the only account that may publish trainers and create level instances.
    address public immutable instructor;

    /// @notice Whether a trainer is already listed (published or registered).
    mapping(address trainer => bool) public listed;

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
    /// @return id The instance's number.
    function createInstance(address student, address target, string calldata level, uint256 owed, Goal goal)
        external
        onlyInstructor
        returns (uint256 id)
    {
        if (target.code.length == 0) revert NoCode(target);
        id = _instances.length;
        _instances.push(Instance(student, target, owed, goal, false, level));
        emit InstanceCreated(id, student, target, level, owed, goal);
    }

    /// @notice Submit your instance `id`: it counts as solved if its goal is met now (see `goalMet`).
    /// @param id The instance's number.
    function submitInstance(uint256 id) external {
        Instance storage instance = _instance(id);
        if (msg.sender != instance.student) revert NotYourInstance(id, msg.sender, instance.student);
        if (instance.solved) revert AlreadySolved(id);
        if (!goalMet(id)) revert NotSolvedYet(id, instance.target.balance, instance.owed);
        instance.solved = true;
        emit LevelSolved(id, msg.sender, instance.level);
    }

    /// @notice Whether instance `id`'s goal is met now.
    /// @param id The instance's number.
    /// @return met True when its target is insolvent (or empty, for goal `Emptied`).
    function goalMet(uint256 id) public view returns (bool met) {
        Instance storage instance = _instance(id);
        uint256 held = instance.target.balance;
        met = instance.goal == Goal.Emptied ? held == 0 : held < instance.owed;
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

    function _instance(uint256 id) private view returns (Instance storage) {
        if (id >= _instances.length) revert UnknownInstance(id, _instances.length);
        return _instances[id];
    }
}
