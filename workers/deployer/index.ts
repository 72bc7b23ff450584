export { deployer } from "./deployer.js";
