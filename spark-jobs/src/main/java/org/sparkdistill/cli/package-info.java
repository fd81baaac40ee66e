package org.sparkdistill.cli;
