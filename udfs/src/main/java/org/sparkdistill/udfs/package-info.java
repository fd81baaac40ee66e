package org.sparkdistill.udfs;
