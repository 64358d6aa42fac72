// Recompiles the contracts (the test ones and the deposit forwarders of issue 28) into
// <Name>.json (ABI + bytecode), so neither tests nor the gateway need a compiler.
// Usage (var/ is ignored by git):
//   npm install --prefix var/solc solc@0.8.37
//   NODE_PATH=var/solc/node_modules node contracts/compile.js
const fs = require("fs");
const path = require("path");
const solc = require("solc");

// Imports (ForwarderFactory imports DepositForwarder) are read from this folder.
const findImports = (file) => ({ contents: fs.readFileSync(path.join(__dirname, file), "utf8") });

const names = ["TestToken", "Forwarder", "NoBoolToken", "DepositForwarder", "ForwarderFactory"];
// The gateway checks the code deployed at a configured factory against these contracts'
// runtime code (immutables masked), so their artifacts carry it too.
const verified = new Set(["DepositForwarder", "ForwarderFactory"]);
for (const name of names) {
  const file = `${name}.sol`;
  const input = {
    language: "Solidity",
    sources: { [file]: { content: fs.readFileSync(path.join(__dirname, file), "utf8") } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "paris",
      outputSelection: {
        "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.deployedBytecode.immutableReferences"] },
      },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors || []).filter((e) => e.severity === "error");
  if (errors.length) {
    console.error(errors.map((e) => e.formattedMessage).join("\n"));
    process.exit(1);
  }
  const contract = output.contracts[file][name];
  const artifact = {
    contractName: name,
    compiler: solc.version(),
    settings: { optimizer: input.settings.optimizer, evmVersion: input.settings.evmVersion },
    abi: contract.abi,
    bytecode: "0x" + contract.evm.bytecode.object,
  };
  if (verified.has(name)) {
    artifact.deployedBytecode = "0x" + contract.evm.deployedBytecode.object;
    artifact.immutableReferences = contract.evm.deployedBytecode.immutableReferences;
  }
  fs.writeFileSync(path.join(__dirname, `${name}.json`), JSON.stringify(artifact, null, 2) + "\n");
  console.log(`${name}.json: ${contract.evm.bytecode.object.length / 2} bytes of bytecode`);
}
